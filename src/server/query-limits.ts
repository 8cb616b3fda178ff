import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

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

/** The code of each limit's error; which limit refused is known from which check called back. */
export const QUERY_LIMIT_CODES = {
  depth: 'DEPTH_LIMIT_EXCEEDED',
  aliases: 'ALIAS_LIMIT_EXCEEDED',
  tokens: 'TOKEN_LIMIT_EXCEEDED',
  cost: 'COST_LIMIT_EXCEEDED',
} as const;

type LimitName = keyof typeof QUERY_LIMIT_CODES;

/**
 * graphql-armor words its refusals as syntax errors ("Syntax Error: Aliases limit of 200
 * exceeded, found 201.") with no code. The sentence after the prefix names the limit, its value
 * and what was found, so it is kept; the refusal is raised again without the prefix, coded.
 */
function recode(limit: LimitName, value: number): [(context: unknown, error: GraphQLError) => never] {
  return [
    (_context, error) => {
      throw createGraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: QUERY_LIMIT_CODES[limit], limit: value } });
    },
  ];
}

export function useQueryLimits(limits: QueryLimits): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, onReject: recode('depth', limits.maxDepth) },
    maxAliases: { n: limits.maxAliases, onReject: recode('aliases', limits.maxAliases) },
    maxTokens: { n: limits.maxTokens, onReject: recode('tokens', limits.maxTokens) },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, onReject: recode('cost', limits.maxCost) },
    // The schema is public (introspection is on), so "did you mean" hints hide nothing.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}
