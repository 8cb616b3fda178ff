import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';

/** Bounds on one operation, checked before it runs (graphql-armor). */
export interface QueryLimits {
  /** Deepest field nesting (jobs { edges { node { exception { type } } } } is 5). */
  maxDepth: number;
  /** Most aliases in one operation (each aliased job(id:) is one lookup). */
  maxAliases: number;
  /** Most tokens in the query text. */
  maxTokens: number;
  /**
   * graphql-armor's cost estimate: objects 2, scalars 1, times 1.5 per level, times a literal
   * first/last; a full page of 1000 jobs with every field costs about 262,000.
   */
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 200, maxTokens: 10_000, maxCost: 500_000 };

export function useQueryLimits(limits: QueryLimits): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { n: limits.maxTokens },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    // The schema is public (introspection is on), so "did you mean" hints hide nothing.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}
