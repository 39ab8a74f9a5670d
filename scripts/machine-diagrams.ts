// Mermaid state diagrams generated from the product machines' definitions, one page per product
// in docs/machines/. Run `npm run diagrams` after changing a machine; test/machines/graph.test.ts
// fails while a committed page differs from what this script generates.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { PRODUCTS, type Product } from '../gateway/wire.js';
import { MACHINES } from '../machines/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DOCS_DIR = resolve(ROOT, 'docs/machines');

/** One candidate of one event of one state node, as the definition declares it. */
export interface DeclaredTransition {
  /** `${source}:${event}#${index}`: index is the candidate's place among the event's candidates. */
  id: string;
  source: string;
  event: string;
  index: number;
  /** Target state paths; empty for a targetless transition (actions only, no exit or entry). */
  targets: string[];
  guard: string | null;
  actions: string[];
  definition: AnyTransitionDefinition;
}

const nodePath = (node: AnyStateNode): string => (node.path.length ? node.path.join('.') : '(machine)');

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(allNodes)];
}

/** The declared states: every state node below the root. */
export function declaredStates(machine: AnyStateMachine): string[] {
  return allNodes(machine.root).slice(1).map(nodePath);
}

/** Every candidate of every event of every state node, guarded alternatives and targetless ones too. */
export function declaredTransitions(machine: AnyStateMachine): DeclaredTransition[] {
  return allNodes(machine.root).flatMap((node) =>
    [...node.transitions.entries()].flatMap(([event, candidates]) =>
      candidates.map((t, index) => ({
        id: `${nodePath(node)}:${event}#${index}`,
        source: nodePath(node),
        event,
        index,
        targets: (t.target ?? []).map((n: AnyStateNode) => nodePath(n)),
        guard: guardName(t.guard),
        actions: (t.actions ?? []).map(actionName),
        definition: t,
      })),
    ),
  );
}

function guardName(guard: unknown): string | null {
  if (guard == null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') return guard.name || 'inline';
  return String(guard);
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') return action.name || 'inline';
  if (action && typeof action === 'object' && 'type' in action) {
    const { type, params } = action as { type: unknown; params?: unknown };
    const args = typeof params === 'function' ? '…' : params && typeof params === 'object' ? Object.values(params).map(String).join(', ') : params == null ? '' : String(params);
    return args ? `${String(type)}(${args})` : String(type);
  }
  return String(action);
}

const isFinal = (node: AnyStateNode) => node.type === 'final' || node.tags.includes('final');
/** Mermaid ends a label at a colon or semicolon; none of ours has one, and a new one should not slip in. */
function label(text: string): string {
  if (/[:;]/.test(text)) throw new Error(`a Mermaid label cannot hold ':' or ';': ${text}`);
  return text;
}
const id = (path: string) => path.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * stateDiagram-v2 for a machine: the initial arrow, each state's entry actions as its
 * description, one line per declared transition (`from --> to: EVENT [guard]`, in the order the
 * candidates are tried; an unguarded fallback after guarded ones reads `[else]`), targetless
 * transitions as self-loops labelled with their actions, and final states `--> [*]`.
 */
export function mermaidFor(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const root = machine.root;
  const initial = root.initial?.target?.[0] as AnyStateNode | undefined;
  if (initial) lines.push(`    [*] --> ${id(nodePath(initial))}`);
  const nodes = allNodes(root).slice(1);
  for (const node of nodes) {
    const entry = (node.entry ?? []).map(actionName);
    if (entry.length) lines.push(`    ${id(nodePath(node))}: ${label(`entry / ${entry.join(', ')}`)}`);
  }
  const transitions = declaredTransitions(machine);
  for (const t of transitions) {
    const guardedBefore = transitions.some((o) => o.source === t.source && o.event === t.event && o.index < t.index && o.guard);
    const guard = t.guard ? ` [${t.guard}]` : guardedBefore ? ' [else]' : '';
    const from = t.source === '(machine)' ? '[*]' : id(t.source);
    if (t.targets.length === 0) {
      const actions = t.actions.length ? ` / ${t.actions.join(', ')}` : '';
      lines.push(`    ${from} --> ${from}: ${label(`${t.event}${guard}${actions}`)}`);
    } else {
      for (const target of t.targets) lines.push(`    ${from} --> ${id(target)}: ${label(`${t.event}${guard}`)}`);
    }
  }
  for (const node of nodes) if (isFinal(node)) lines.push(`    ${id(nodePath(node))} --> [*]`);
  return lines.join('\n') + '\n';
}

export const machineFile = (product: Product) => `machines/${product.toLowerCase().replace(/_/g, '-')}.ts`;

/** What the product is: the first sentence of the machine file's top comment (two, if the first is a mere label). */
export function productSentence(product: Product): string {
  const source = readFileSync(resolve(ROOT, machineFile(product)), 'utf8');
  const comment: string[] = [];
  for (const line of source.split('\n')) {
    const m = /^\/\/\s?(.*)$/.exec(line);
    if (!m) break;
    comment.push(m[1].trim());
  }
  const text = comment.join(' ').replace(new RegExp(`^${product}:\\s*`), '');
  const sentences = text.split(/(?<=\.)\s+(?=[A-Z])/);
  let sentence = sentences[0] ?? '';
  if (sentence.split(/\s+/).length < 4 && sentences[1]) sentence = `${sentence} ${sentences[1]}`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The page docs/machines/<PRODUCT>.md. */
export function docFor(product: Product): string {
  return [
    `# ${product}`,
    '',
    productSentence(product),
    '',
    `Generated from \`${machineFile(product)}\` by \`npm run diagrams\`; do not edit by hand.`,
    'Each arrow is one declared transition, `EVENT [guard]`; the candidates of an event are tried in',
    'the order listed and the first whose guard passes is taken (`[else]`: none of the guards above',
    'passed). A self-loop is a targetless transition: its actions run, the state is not re-entered.',
    '',
    '```mermaid',
    mermaidFor(MACHINES[product]).trimEnd(),
    '```',
    '',
  ].join('\n');
}

export const docPath = (product: Product) => resolve(DOCS_DIR, `${product}.md`);

export function writeDocs(): string[] {
  mkdirSync(DOCS_DIR, { recursive: true });
  return PRODUCTS.map((product) => {
    writeFileSync(docPath(product), docFor(product));
    return docPath(product);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const path of writeDocs()) console.log(`wrote ${path}`);
}
