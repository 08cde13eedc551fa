import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressBlockReason } from '../../src/input/address-policy.js';

const strict = { allowLoopback: false };
const testing = { allowLoopback: true };

const BLOCKED: [string, RegExp][] = [
  ['127.0.0.1', /loopback/],
  ['127.8.9.10', /loopback/],
  ['10.0.0.1', /private/],
  ['172.16.0.1', /private/],
  ['172.31.255.255', /private/],
  ['192.168.1.1', /private/],
  ['169.254.169.254', /linkLocal/],
  ['100.64.0.1', /carrierGradeNat/],
  ['0.0.0.0', /unspecified/],
  ['0.1.2.3', /unspecified/],
  ['255.255.255.255', /broadcast/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['198.18.0.1', /reserved/],
  ['198.19.255.1', /reserved/],
  ['192.0.0.170', /reserved/],
  ['192.0.2.1', /reserved/],
  ['240.0.0.1', /reserved/],
  ['::1', /loopback/],
  ['::', /unspecified/],
  ['fc00::1', /uniqueLocal/],
  ['fd00:ec2::254', /uniqueLocal/],
  ['fe80::1', /linkLocal/],
  ['fe80::1%eth0', /linkLocal/],
  ['ff02::1', /multicast/],
  ['::ffff:127.0.0.1', /loopback.*embedded/],
  ['::ffff:7f00:1', /loopback.*embedded/],
  ['::ffff:169.254.169.254', /linkLocal.*embedded/],
  ['::ffff:0:10.0.0.1', /private.*embedded/],
  ['::127.0.0.1', /loopback.*embedded/],
  ['::10.1.2.3', /private.*embedded/],
  ['64:ff9b::7f00:1', /loopback.*embedded/],
  ['64:ff9b::a9fe:a9fe', /linkLocal.*embedded/],
  ['64:ff9b:1::8.8.8.8', /local-only/],
  ['2002:7f00:1::1', /loopback.*embedded/],
  ['2002:c0a8:101::1', /private.*embedded/],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /local-only/], // Teredo
  ['2001:db8::1', /reserved/],
  ['100::1', /discard/],
  ['fec0::1', /deprecatedSiteLocal/],
  ['4000::1', /unallocated/],
  ['localhost', /not an IP/],
  ['', /not an IP/],
];

const ALLOWED = ['93.184.215.14', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];

describe('addressBlockReason (default policy)', () => {
  for (const [address, reason] of BLOCKED) {
    it(`blocks ${address || '(empty)'}`, () => {
      assert.match(addressBlockReason(address, strict) ?? 'ALLOWED', reason);
    });
  }
  for (const address of ALLOWED) {
    it(`allows public ${address}`, () => assert.equal(addressBlockReason(address, strict), undefined));
  }
});

describe('addressBlockReason (test-only allowLoopback)', () => {
  it('allows 127.0.0.0/8 and ::1', () => {
    for (const address of ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1']) {
      assert.equal(addressBlockReason(address, testing), undefined, address);
    }
  });
  it('still blocks everything else that is not public', () => {
    for (const address of ['10.0.0.1', '169.254.169.254', '0.0.0.0', '::', 'fd00:ec2::254', '192.168.0.1', 'fe80::1']) {
      assert.notEqual(addressBlockReason(address, testing), undefined, address);
    }
  });
});
