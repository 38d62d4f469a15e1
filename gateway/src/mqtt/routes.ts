import { isValidFilter, StartupError, topicMatches } from '@typedcluster/core';
import type { FunctionDefinition } from '../runtime/function-definition.js';

/** The annotation naming the MQTT filters a function is invoked for (comma-separated, as faas-cli writes it). */
export const TOPIC_ANNOTATION = 'topic';
/**
 * `com.typedcluster.batch`: the function takes several messages in one
 * invocation: `frames`, as one frames body answered per frame; `json`, as
 * one JSON array of the payloads answered as a whole.
 */
export const BATCH_ANNOTATION = 'com.typedcluster.batch';
export type BatchKind = 'frames' | 'json';
const BATCH_KINDS: readonly string[] = ['frames', 'json'] satisfies BatchKind[];

export interface FunctionRoute {
  readonly name: string;
  readonly filters: readonly string[];
  /** How several messages go in one invocation; undefined: one message each. */
  readonly batch: BatchKind | undefined;
}

export interface Routes {
  readonly functions: readonly FunctionRoute[];
  /** Every filter of every function, once: what the connector subscribes to. */
  readonly filters: readonly string[];
  /** The functions whose filters match `topic`, in stack order. */
  match(topic: string): readonly FunctionRoute[];
}

export interface RouteProblem {
  readonly function: string;
  readonly filter: string;
}

/** The filters of a `topic` annotation: comma-separated, blanks around commas ignored. */
export function filtersOf(annotation: string | undefined): string[] {
  if (annotation === undefined) return [];
  return annotation
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

/**
 * The routes of the deployed functions. Functions with an invalid filter
 * are left out and reported in `problems` (start-up turns them into a
 * StartupError; a deploy at run time is logged).
 */
export function buildRoutes(defs: readonly FunctionDefinition[]): { routes: Routes; problems: RouteProblem[] } {
  const functions: FunctionRoute[] = [];
  const problems: RouteProblem[] = [];
  for (const def of defs) {
    const filters = filtersOf(def.annotations[TOPIC_ANNOTATION]);
    if (filters.length === 0) continue;
    const bad = filters.find((f) => !isValidFilter(f));
    if (bad !== undefined) {
      problems.push({ function: def.name, filter: bad });
      continue;
    }
    const batch = def.annotations[BATCH_ANNOTATION]?.trim();
    functions.push({ name: def.name, filters: [...new Set(filters)], batch: batch !== undefined && BATCH_KINDS.includes(batch) ? (batch as BatchKind) : undefined });
  }
  const filters = [...new Set(functions.flatMap((f) => f.filters))];
  // Devices publish to a handful of topics over and over: remember the answer.
  const cache = new Map<string, readonly FunctionRoute[]>();
  const match = (topic: string): readonly FunctionRoute[] => {
    let hit = cache.get(topic);
    if (!hit) {
      hit = functions.filter((f) => f.filters.some((filter) => topicMatches(filter, topic)));
      if (cache.size >= 10_000) cache.clear();
      cache.set(topic, hit);
    }
    return hit;
  };
  return { routes: { functions, filters, match }, problems };
}

/** Start-up check: every `topic` annotation must be valid MQTT filters. */
export function checkRoutes(defs: readonly FunctionDefinition[], stackFile: string): Routes {
  const { routes, problems } = buildRoutes(defs);
  const first = problems[0];
  if (first) {
    throw new StartupError(
      'STACK_INVALID',
      `${stackFile}: functions.${first.function}.annotations.${TOPIC_ANNOTATION}: "${first.filter}" is not a valid MQTT topic filter`,
      'use comma-separated filters with + and # only as whole levels (# last), e.g. plc/+/cycle,sensor/#',
    );
  }
  return routes;
}
