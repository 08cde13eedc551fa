// Renders a kustomize overlay for the manifest tests, with exactly the features the project's
// manifests use: `resources` (files and directories), `configMapGenerator` (literals, no name
// hash), `images` (newName/newTag) and `patches` (strategic merge: maps merged, containers merged
// by name, other lists replaced). No kustomize binary is available offline; anything outside
// this subset fails loudly instead of rendering wrongly.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown };

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'images', 'patches']);

export function renderKustomization(dir: string): Manifest[] {
  const kustomization = readYaml(join(dir, 'kustomization.yaml'))[0] as Record<string, unknown>;
  const unknown = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml uses ${unknown.join(', ')}, which this renderer does not support`);
  const out: Manifest[] = [];
  for (const resource of (kustomization.resources as string[] | undefined) ?? []) {
    const path = join(dir, resource);
    out.push(...(statSync(path).isDirectory() ? renderKustomization(path) : (readYaml(path) as Manifest[])));
  }
  for (const generator of (kustomization.configMapGenerator as { name: string; literals?: string[]; options?: { disableNameSuffixHash?: boolean } }[] | undefined) ?? []) {
    if (generator.options?.disableNameSuffixHash !== true) throw new Error('configMapGenerator without disableNameSuffixHash is not supported');
    const data = Object.fromEntries((generator.literals ?? []).map((literal) => [literal.slice(0, literal.indexOf('=')), literal.slice(literal.indexOf('=') + 1)]));
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
  }
  for (const patch of (kustomization.patches as { path: string }[] | undefined) ?? []) {
    for (const doc of readYaml(join(dir, patch.path)) as Manifest[]) {
      const index = out.findIndex((m) => m.kind === doc.kind && m.metadata.name === doc.metadata.name);
      if (index < 0) throw new Error(`patch ${patch.path}: no ${doc.kind} ${doc.metadata.name}`);
      out[index] = strategicMerge(out[index], doc) as Manifest;
    }
  }
  const images = (kustomization.images as { name: string; newName?: string; newTag?: string }[] | undefined) ?? [];
  for (const manifest of out) visitContainers(manifest, (container) => {
    const rule = images.find((image) => container.image === image.name || String(container.image).startsWith(`${image.name}:`));
    if (rule) container.image = `${rule.newName ?? rule.name}${rule.newTag ? `:${rule.newTag}` : ''}`;
  });
  return out;
}

function readYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    return doc.toJS();
  });
}

function strategicMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const byName = (item: unknown) => (item as { name?: string })?.name;
    if (!patch.every((item) => typeof byName(item) === 'string')) return patch;
    const merged = [...base];
    for (const item of patch) {
      const index = merged.findIndex((existing) => byName(existing) === byName(item));
      if (index >= 0) merged[index] = strategicMerge(merged[index], item);
      else merged.push(item);
    }
    return merged;
  }
  if (isMap(base) && isMap(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? strategicMerge(base[key], value) : value;
    return merged;
  }
  return patch;
}

export function visitContainers(manifest: Manifest, visit: (container: Record<string, unknown>) => void): void {
  const spec = podSpec(manifest);
  for (const list of [spec?.initContainers, spec?.containers]) for (const container of (list as Record<string, unknown>[] | undefined) ?? []) visit(container);
}

export function podSpec(manifest: Manifest): Record<string, unknown> | undefined {
  const template = (manifest.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  return template?.spec;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
