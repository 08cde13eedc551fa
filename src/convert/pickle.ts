// A pickle reader that never runs code. Python's pickle is a small stack machine whose GLOBAL/REDUCE
// opcodes import and call arbitrary functions; here GLOBAL only resolves names in a caller-given
// allowlist of reconstructors written in TypeScript, and any other name is refused before anything
// is built. Protocols 0-5 are read (the text opcodes of protocol 0 only as far as checkpoints use them).
//
// Python values map to: None -> null, bool, int -> number (bigint beyond 2^53), float -> number,
// str -> string, bytes -> Uint8Array, list/tuple -> array, dict -> Map, set -> Set.

export class PickleError extends Error {
  override readonly name = 'PickleError';
}

/** What an allowlisted global turns into: something REDUCE/NEWOBJ may call, BUILD may update. */
export interface Reconstructor {
  readonly qualifiedName: string;
  call(args: readonly unknown[]): unknown;
}

/** An object under construction that accepts pickle's BUILD (`__setstate__`). */
export interface Buildable {
  setState(state: unknown): void;
}

export interface UnpickleOptions {
  /** Allowlisted globals keyed by "module.name". */
  readonly globals: ReadonlyMap<string, Reconstructor>;
  /** torch.save refers to tensor storages by persistent id; absent = persistent ids are refused. */
  readonly persistentLoad?: (pid: unknown) => unknown;
}

const MARK = Symbol('mark');

function isBuildable(value: unknown): value is Buildable {
  return typeof value === 'object' && value !== null && typeof (value as Buildable).setState === 'function';
}

function isReconstructor(value: unknown): value is Reconstructor {
  return typeof value === 'object' && value !== null && typeof (value as Reconstructor).call === 'function' && 'qualifiedName' in value;
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  return new Machine(bytes, options).run();
}

class Machine {
  private readonly view: DataView;
  private pos = 0;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): unknown {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) throw new PickleError(`unsupported pickle protocol at byte ${at}`);
          break;
        case 0x95: // FRAME (length only; frames are read inline)
          this.skip(8);
          break;
        case 0x2e: // STOP
          if (this.stack.length !== 1) throw new PickleError(`pickle ended with ${this.stack.length} values on the stack`);
          return this.stack[0];
        case 0x28: // MARK
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length === 0) this.popMark();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT
          this.push(this.view.getInt32(this.take(4), true));
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.view.getUint16(this.take(2), true));
          break;
        case 0x8a: // LONG1
          this.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          this.push(this.long(this.count(this.view.getInt32(this.take(4), true))));
          break;
        case 0x47: // BINFLOAT (big-endian double)
          this.push(this.view.getFloat64(this.take(8), false));
          break;
        case 0x49: // INT (text): also protocol 0's True/False as 01/00
          this.push(this.textInt(this.line()));
          break;
        case 0x4c: // LONG (text)
          this.push(this.textInt(this.line().replace(/L$/, '')));
          break;
        case 0x46: // FLOAT (text)
          this.push(Number.parseFloat(this.line()));
          break;
        case 0x58: // BINUNICODE
          this.push(this.utf8(this.count(this.view.getUint32(this.take(4), true))));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.utf8(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.utf8(this.u64()));
          break;
        case 0x54: // BINSTRING (Python 2 str: raw bytes, read as latin-1 data)
          this.push(this.slice(this.count(this.view.getInt32(this.take(4), true))));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(this.slice(this.u8()));
          break;
        case 0x42: // BINBYTES
          this.push(this.slice(this.count(this.view.getUint32(this.take(4), true))));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.slice(this.u8()));
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(this.slice(this.u64()));
          break;
        case 0x53: // STRING (text, quoted repr)
          this.push(this.quotedString(this.line()));
          break;
        case 0x56: // UNICODE (text, raw-unicode-escape)
          this.push(this.line());
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(Object.freeze([]));
          break;
        case 0x7d: // EMPTY_DICT
          this.push(new Map());
          break;
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x85: // TUPLE1
          this.push(Object.freeze([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push(Object.freeze([a, b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(Object.freeze([a, b, c]));
          break;
        }
        case 0x74: // TUPLE
          this.push(Object.freeze(this.popMark()));
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x64: // DICT
          this.push(this.pairs(new Map(), this.popMark()));
          break;
        case 0x91: // FROZENSET
          this.push(new Set(this.popMark()));
          break;
        case 0x61: {
          // APPEND
          const value = this.pop();
          this.list(this.top()).push(value);
          break;
        }
        case 0x65: {
          // APPENDS
          const values = this.popMark();
          this.list(this.top()).push(...values);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.dict(this.top()).set(key, value);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.pairs(this.dict(this.top()), items);
          break;
        }
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const target = this.top();
          if (!(target instanceof Set)) throw new PickleError(`ADDITEMS on a non-set at byte ${at}`);
          for (const item of items) target.add(item);
          break;
        }
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.view.getUint32(this.take(4), true), this.top());
          break;
        case 0x70: // PUT (text)
          this.memo.set(this.textIndex(this.line()), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
          this.push(this.recall(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.recall(this.view.getUint32(this.take(4), true)));
          break;
        case 0x67: // GET (text)
          this.push(this.recall(this.textIndex(this.line())));
          break;
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          const name = this.line();
          this.push(this.resolve(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL without names at byte ${at}`);
          this.push(this.resolve(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callable = this.pop();
          this.push(this.callReconstructor(callable, args, at));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args)
          const args = this.pop();
          const cls = this.pop();
          this.push(this.callReconstructor(cls, args, at));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX: keyword arguments are not used by any allowlisted class
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof Map) || kwargs.size > 0) throw new PickleError(`NEWOBJ_EX with keyword arguments at byte ${at}`);
          this.push(this.callReconstructor(cls, args, at));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const target = this.top();
          if (isBuildable(target)) target.setState(state);
          else if (target instanceof Map) {
            // e.g. an OrderedDict's instance attributes (torch's `_metadata`): kept off the items.
          } else throw new PickleError(`BUILD on a ${describe(target)} at byte ${at}`);
          break;
        }
        case 0x51: {
          // BINPERSID
          const pid = this.pop();
          this.push(this.persistent(pid, at));
          break;
        }
        case 0x50: // PERSID (text)
          this.push(this.persistent(this.line(), at));
          break;
        default:
          throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
      }
    }
  }

  private resolve(module: string, name: string): Reconstructor {
    const qualifiedName = `${module}.${name}`;
    const found = this.options.globals.get(qualifiedName);
    if (!found) throw new PickleError(`refused to load "${qualifiedName}": not an allowed checkpoint type`);
    return found;
  }

  private callReconstructor(callable: unknown, args: unknown, at: number): unknown {
    if (!isReconstructor(callable)) throw new PickleError(`call of a ${describe(callable)} at byte ${at}`);
    if (!Array.isArray(args)) throw new PickleError(`${callable.qualifiedName} called without an argument tuple at byte ${at}`);
    return callable.call(args);
  }

  private persistent(pid: unknown, at: number): unknown {
    if (!this.options.persistentLoad) throw new PickleError(`persistent id at byte ${at} in a file that has no external storage`);
    return this.options.persistentLoad(pid);
  }

  private pairs(target: Map<unknown, unknown>, items: unknown[]): Map<unknown, unknown> {
    if (items.length % 2 !== 0) throw new PickleError('odd number of dict items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
    return target;
  }

  private list(value: unknown): unknown[] {
    if (!Array.isArray(value) || Object.isFrozen(value)) throw new PickleError(`append to a ${describe(value)}`);
    return value;
  }

  private dict(value: unknown): Map<unknown, unknown> {
    if (!(value instanceof Map)) throw new PickleError(`item assignment to a ${describe(value)}`);
    return value;
  }

  private recall(index: number): unknown {
    if (!this.memo.has(index)) throw new PickleError(`memo entry ${index} read before it was written`);
    return this.memo.get(index);
  }

  private push(value: unknown): void {
    this.stack.push(value);
  }

  private pop(): unknown {
    if (this.stack.length === 0) throw new PickleError(`stack underflow at byte ${this.pos - 1}`);
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw new PickleError(`stack underflow at byte ${this.pos - 1}`);
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (previous === undefined) throw new PickleError(`MARK expected at byte ${this.pos - 1}`);
    this.stack = previous;
    return items;
  }

  private take(length: number): number {
    const at = this.pos;
    if (at + length > this.bytes.length) throw new PickleError(`pickle truncated at byte ${this.bytes.length} (needed ${length} more at ${at})`);
    this.pos += length;
    return at;
  }

  private skip(length: number): void {
    this.take(length);
  }

  private u8(): number {
    return this.bytes[this.take(1)];
  }

  private u64(): number {
    const value = this.view.getBigUint64(this.take(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('object length beyond 2^53');
    return this.count(Number(value));
  }

  private count(length: number): number {
    if (length < 0 || this.pos + length > this.bytes.length) throw new PickleError(`pickle truncated: length ${length} at byte ${this.pos} runs past the end`);
    return length;
  }

  private slice(length: number): Uint8Array {
    const at = this.take(length);
    return this.bytes.subarray(at, at + length);
  }

  private utf8(length: number): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.slice(length));
  }

  private long(length: number): number | bigint {
    const at = this.take(length);
    if (length === 0) return 0;
    let value = 0n;
    for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[at + i]);
    if (this.bytes[at + length - 1] & 0x80) value -= 1n << BigInt(8 * length);
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }

  private line(): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0x0a, start);
    if (end < 0) throw new PickleError(`pickle truncated in a text field at byte ${start}`);
    this.pos = end + 1;
    return new TextDecoder('latin1').decode(this.bytes.subarray(start, end));
  }

  private textInt(text: string): number | bigint | boolean {
    if (text === '01') return true;
    if (text === '00') return false;
    if (!/^-?\d+$/.test(text)) throw new PickleError(`bad integer ${JSON.stringify(text.slice(0, 40))}`);
    const value = BigInt(text);
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }

  private textIndex(text: string): number {
    const value = this.textInt(text);
    if (typeof value !== 'number' || value < 0) throw new PickleError(`bad memo index ${JSON.stringify(text.slice(0, 40))}`);
    return value;
  }

  private quotedString(text: string): Uint8Array {
    const quote = text[0];
    if ((quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) throw new PickleError('bad STRING literal');
    const body = text.slice(1, -1).replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_, hex: string | undefined, escaped: string | undefined) => {
      if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
      return ({ n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[escaped ?? ''] ?? `\\${escaped}`;
    });
    return Uint8Array.from(body, (c) => c.charCodeAt(0) & 0xff);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (value instanceof Map) return 'dict';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

/** Helper for allowlists: a reconstructor from a name and a function. */
export function reconstructor(qualifiedName: string, call: (args: readonly unknown[]) => unknown): Reconstructor {
  return Object.freeze({ qualifiedName, call });
}
