/**
 * A leaner executor for the answers that go right: it resolves a query exactly as graphql-js
 * does (the same collectFields, argument coercion, resolvers, serialisation and field order)
 * but without the bookkeeping graphql-js keeps for errors, which for a page of 1,000 jobs is
 * most of the time spent executing it. At the first sign of anything but a clean answer (an
 * error, a null in a non-null field, an abstract type, a mutation, introspection) it gives up
 * and hands the query to graphql-js at that very moment, so every error, null and location is
 * graphql-js's own.
 */
import {
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  defaultFieldResolver,
  isLeafType,
  type GraphQLLeafType,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { buildExecutionContext, buildResolveInfo, type ExecutionContext } from 'graphql/execution/execute';
import { getArgumentValues } from 'graphql/execution/values';
import { addPath, type Path } from 'graphql/jsutils/Path';

/** Thrown (never an Error, so no stack is captured) when this answer needs graphql-js. */
const NEEDS_GRAPHQL_JS = Symbol('needs graphql-js');

type Fields = Map<string, readonly FieldNode[]>;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** How a resolver's promise settled. */
type Outcome = { value: unknown } | { reason: unknown };

/**
 * A promise a resolver answered with during an attempt, and how far the attempt got with it.
 * When graphql-js takes over, it should react to each promise in the order it would have under
 * graphql-js alone, which is the order in which the attempt reacts to them (it attached first):
 * - if the attempt gave up before any promise settled, every promise is still pending: graphql-js
 *   gets each one itself;
 * - the promise whose settling made the attempt give up (the trigger) settled just before: it
 *   gets it itself, and reacts to it one turn later;
 * - a promise the attempt had reacted to before is one graphql-js alone would have reacted to by
 *   now, cleanly: it gets its value at once, so it catches up with no turns of its own;
 * - any other (pending, or settled after the trigger with the attempt's reaction still to come)
 *   it gets as a follower that the attempt's reaction settles, so it reacts one turn after that,
 *   in the order the promises settled.
 */
class RecordedPromise {
  /** Set by the attempt's reaction. */
  outcome: Outcome | undefined;
  trigger = false;
  private follower: { promise: Promise<unknown>; settle: (outcome: Outcome) => void } | undefined;

  constructor(
    readonly promise: PromiseLike<unknown>,
    private readonly attempt: AttemptRecord,
  ) {}

  replay(): unknown {
    if (!this.attempt.gaveUpAfterSettling || this.trigger) return this.promise;
    const outcome = this.outcome;
    if (outcome === undefined) return (this.follower ??= follower()).promise;
    // Reacted to by the attempt, before it gave up (so cleanly) or after graphql-js took over.
    if ('value' in outcome) return outcome.value;
    return Promise.reject(outcome.reason);
  }

  /** The attempt's reaction: after it gave up, it is the moment graphql-js's follower settles. */
  settled(outcome: Outcome): void {
    this.outcome = outcome;
    this.follower?.settle(outcome);
  }
}

function follower(): { promise: Promise<unknown>; settle: (outcome: Outcome) => void } {
  let settle: (outcome: Outcome) => void = () => undefined;
  const promise = new Promise<unknown>((resolve, reject) => {
    settle = (outcome) => ('value' in outcome ? resolve(outcome.value) : reject(outcome.reason));
  });
  return { promise, settle };
}

type Recorded = RecordedPromise | { thrown: unknown };

/**
 * What the resolvers of an attempt answered with a promise or an exception, by field node and
 * source: when graphql-js then runs the query, it gets the same answers instead of asking Flux
 * again (a failed RPC is not retried, a timeout not waited for twice).
 */
class AttemptRecord {
  private readonly byNode = new Map<FieldNode, Map<unknown, Recorded>>();
  /** Whether the attempt gave up on a promise settling (else in its first, synchronous pass). */
  gaveUpAfterSettling = false;

  add(node: FieldNode, source: unknown, outcome: Recorded): void {
    let bySource = this.byNode.get(node);
    if (bySource === undefined) this.byNode.set(node, (bySource = new Map()));
    bySource.set(source, outcome);
  }

  get(node: FieldNode, source: unknown): Recorded | undefined {
    return this.byNode.get(node)?.get(source);
  }
}

/** Each request's attempt, by its context. */
const attempts = new WeakMap<object, AttemptRecord>();

function recorded(context: unknown, node: FieldNode | undefined, source: unknown): Recorded | undefined {
  if (typeof context !== 'object' || context === null || node === undefined) return undefined;
  return attempts.get(context)?.get(node, source);
}

/**
 * Each field's own resolver, without the replay: an attempt resolves each field of each source
 * once, so it never has anything to replay, and a page of 1,000 jobs saves two map lookups a field.
 */
const unreplayedResolvers = new WeakMap<GraphQLField<unknown, unknown>, GraphQLFieldResolver<unknown, unknown>>();

/**
 * The schema with each resolver first replaying what an attempt of this executor recorded for
 * the same field and source; apply once, to the schema both executors run.
 */
export function withReplayedResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      unreplayedResolvers.set(field, resolve);
      field.resolve = (source, args, context, info) => {
        const earlier = recorded(context, info.fieldNodes[0], source);
        if (earlier === undefined) return resolve(source, args, context, info);
        if (earlier instanceof RecordedPromise) return earlier.replay();
        throw earlier.thrown;
      };
    }
  }
  return schema;
}

/** What resolving one field takes, the same for every item of a list. */
interface FieldPlan {
  field: GraphQLField<unknown, unknown>;
  args: Record<string, unknown>;
  /**
   * Built for the field's first occurrence: inside a list, its path names the first item. No
   * resolver of this schema reads the path of a field inside a list; errors, which need exact
   * paths, are graphql-js's to report.
   */
  info: GraphQLResolveInfo;
  resolve: GraphQLFieldResolver<unknown, unknown>;
  /** The field's type when it is a scalar or an enum, nullable or not: its value is serialised on the spot. */
  leaf: GraphQLLeafType | undefined;
  nonNull: boolean;
}

/** One field of an object's selection, its plan made at its first occurrence. */
interface SelectedField {
  key: string;
  nodes: readonly FieldNode[];
  node: FieldNode;
  typename: boolean;
  plan: FieldPlan | undefined;
}

/** What the attempt's pending work yields once it has given up (nobody reads it). */
const ABANDONED = Symbol('abandoned');

class FastExecution {
  /** The fields under each field, by its nodes: the same for every item of a list. */
  private readonly subfields = new WeakMap<readonly FieldNode[], Fields>();
  /** Each selection's fields as a list, made once: walking a Map and looking up a plan per field and item costs more. */
  private readonly selections = new WeakMap<Fields, SelectedField[]>();
  private readonly record = new AttemptRecord();
  /** The promise whose settling the attempt is reacting to, if it is reacting to one. */
  private reactingTo: RecordedPromise | undefined;
  /** Until the first, synchronous pass over the query is done. */
  inFirstPass = true;
  gaveUp = false;

  /** `handOver` is called once, at the moment the attempt gives up. */
  constructor(
    private readonly context: ExecutionContext,
    private readonly handOver: () => void,
  ) {
    const contextValue: unknown = context.contextValue;
    if (typeof contextValue === 'object' && contextValue !== null) attempts.set(contextValue, this.record);
  }

  /**
   * Stops the attempt and has graphql-js run the query at once, in the same turn of the event
   * loop as the event that made it give up, so that graphql-js sees the resolvers' promises
   * settle in the order they would have settled under graphql-js alone (which decides, say,
   * which of two failing fields nulls the data, or the order of RPCs); see RecordedPromise.
   */
  giveUp(): typeof ABANDONED {
    if (!this.gaveUp) {
      this.gaveUp = true;
      this.record.gaveUpAfterSettling = !this.inFirstPass;
      if (this.reactingTo !== undefined) this.reactingTo.trigger = true;
      this.handOver();
    }
    return ABANDONED;
  }

  /** Runs a step of the attempt that follows a promise; any trouble in it is a give-up. */
  private after<T>(step: () => T): T | typeof ABANDONED {
    if (this.gaveUp) return ABANDONED;
    try {
      return step();
    } catch {
      return this.giveUp();
    }
  }

  /** The attempt's reaction to a resolver's promise: completes its value, or gives up. */
  private reactTo(recorded: RecordedPromise, outcome: Outcome, complete: (value: unknown) => unknown): unknown {
    recorded.settled(outcome);
    if (this.gaveUp) return ABANDONED;
    this.reactingTo = recorded;
    try {
      if (!('value' in outcome)) return this.giveUp();
      return complete(outcome.value);
    } catch {
      return this.giveUp();
    } finally {
      this.reactingTo = undefined;
    }
  }

  private subfieldsOf(type: GraphQLObjectType, nodes: readonly FieldNode[]): Fields {
    let fields = this.subfields.get(nodes);
    if (fields === undefined) {
      const { schema, fragments, variableValues } = this.context;
      fields = collectSubfields(schema, fragments, variableValues, type, nodes) as Fields;
      this.subfields.set(nodes, fields);
    }
    return fields;
  }

  private plan(type: GraphQLObjectType, key: string, nodes: readonly FieldNode[], path: Path | undefined): FieldPlan {
    const node = nodes[0] as FieldNode;
    const field = type.getFields()[node.name.value] as GraphQLField<unknown, unknown> | undefined;
    if (field === undefined) throw NEEDS_GRAPHQL_JS;
    const nonNull = field.type instanceof GraphQLNonNull;
    const named = nonNull ? (field.type as GraphQLNonNull<GraphQLOutputType>).ofType : field.type;
    return {
      field,
      args: field.args.length === 0 && (node.arguments ?? []).length === 0 ? {} : getArgumentValues(field, node, this.context.variableValues),
      info: buildResolveInfo(this.context, field, nodes, type, addPath(path, key, type.name)),
      resolve: unreplayedResolvers.get(field) ?? field.resolve ?? defaultFieldResolver,
      leaf: isLeafType(named) ? named : undefined,
      nonNull,
    };
  }

  private selected(fields: Fields): SelectedField[] {
    let list = this.selections.get(fields);
    if (list === undefined) {
      list = [];
      for (const [key, nodes] of fields) {
        const node = nodes[0] as FieldNode;
        list.push({ key, nodes, node, typename: node.name.value === '__typename', plan: undefined });
      }
      this.selections.set(fields, list);
    }
    return list;
  }

  /** Calls the resolver, recording a promise or an exception for graphql-js to replay. */
  private resolve(plan: FieldPlan, node: FieldNode, source: unknown): unknown {
    let value: unknown;
    try {
      value = plan.resolve(source, plan.args, this.context.contextValue, plan.info);
    } catch (error) {
      this.record.add(node, source, { thrown: error });
      throw NEEDS_GRAPHQL_JS;
    }
    if (!isPromiseLike(value)) return value;
    const recorded = new RecordedPromise(value, this.record);
    this.record.add(node, source, recorded);
    return recorded;
  }

  /** The object's fields; throws NEEDS_GRAPHQL_JS, or gives up later, at the first trouble. */
  object(type: GraphQLObjectType, fields: Fields, source: unknown, path: Path | undefined): unknown {
    // graphql-js builds results on null-prototype objects; so does this.
    const result: Record<string, unknown> = Object.create(null);
    let pending: PromiseLike<void>[] | undefined;
    for (const selected of this.selected(fields)) {
      const { key, nodes, node } = selected;
      if (selected.typename) {
        result[key] = type.name;
        continue;
      }
      const plan = (selected.plan ??= this.plan(type, key, nodes, path));
      const { field, info, leaf } = plan;
      const value = this.resolve(plan, node, source);
      if (leaf !== undefined && !(value instanceof RecordedPromise)) {
        // What complete() does for a scalar or an enum, without its calls.
        if (value instanceof Error) throw NEEDS_GRAPHQL_JS;
        if (value === null || value === undefined) {
          if (plan.nonNull) throw NEEDS_GRAPHQL_JS;
          result[key] = null;
          continue;
        }
        const serialized = leaf.serialize(value);
        if (serialized === null || serialized === undefined) throw NEEDS_GRAPHQL_JS;
        result[key] = serialized;
        continue;
      }
      const completed =
        value instanceof RecordedPromise
          ? value.promise.then(
              (resolved: unknown) => this.reactTo(value, { value: resolved }, (done) => this.complete(field.type, nodes, done, info.path, info)),
              (reason: unknown) => this.reactTo(value, { reason }, ignoreValue),
            )
          : this.complete(field.type, nodes, value, info.path, info);
      if (isPromiseLike(completed)) {
        // Keeps the key's place in the result's order until the value arrives.
        result[key] = null;
        (pending ??= []).push(completed.then((done) => void (result[key] = done)));
      } else {
        result[key] = completed;
      }
    }
    return pending === undefined ? result : Promise.all(pending).then(() => result);
  }

  private complete(type: GraphQLOutputType, nodes: readonly FieldNode[], value: unknown, path: Path, info: GraphQLResolveInfo): unknown {
    if (value instanceof Error) throw NEEDS_GRAPHQL_JS;
    if (type instanceof GraphQLNonNull) {
      const completed = this.complete(type.ofType, nodes, value, path, info);
      if (isPromiseLike(completed)) return completed.then((done) => this.after(() => nonNull(done)));
      return nonNull(completed);
    }
    if (value === null || value === undefined) return null;
    if (type instanceof GraphQLList) {
      if (!Array.isArray(value)) throw NEEDS_GRAPHQL_JS;
      let anyPending = false;
      const items = value.map((item: unknown, index: number) => {
        const completed = this.complete(type.ofType, nodes, item, addPath(path, index, undefined), info);
        if (isPromiseLike(completed)) anyPending = true;
        return completed;
      });
      return anyPending ? Promise.all(items) : items;
    }
    if (isLeafType(type)) {
      const serialized = type.serialize(value);
      // graphql-js refuses a null from serialize as it does undefined.
      if (serialized === null || serialized === undefined) throw NEEDS_GRAPHQL_JS;
      return serialized;
    }
    if (!(type instanceof GraphQLObjectType)) throw NEEDS_GRAPHQL_JS;
    // An isTypeOf that answers with a promise is graphql-js's to wait for.
    if (typeof type.isTypeOf === 'function' && type.isTypeOf(value, this.context.contextValue, info) !== true) throw NEEDS_GRAPHQL_JS;
    return this.object(type, this.subfieldsOf(type, nodes), value, path);
  }
}

function ignoreValue(): undefined {
  return undefined;
}

function nonNull(value: unknown): unknown {
  if (value === null || value === undefined) throw NEEDS_GRAPHQL_JS;
  return value;
}

/**
 * The query's answer: the lean executor's when it goes right, else graphql-js's (`fallback`,
 * called at most once, at the moment the attempt gives up). Nothing the attempt did is visible
 * then: resolvers only read, and graphql-js replays what they answered.
 */
export function fastExecute<R>(args: ExecutionArgs, fallback: () => R | PromiseLike<R>): Promise<ExecutionResult | R> {
  const context = buildExecutionContext(args);
  if (Array.isArray(context)) return Promise.resolve(fallback());
  const execution = context as ExecutionContext;
  const queryType = execution.schema.getQueryType();
  if (execution.operation.operation !== 'query' || queryType === null || queryType === undefined) return Promise.resolve(fallback());
  return new Promise<ExecutionResult | R>((resolve, reject) => {
    const attempt = new FastExecution(execution, () => {
      try {
        resolve(fallback());
      } catch (error) {
        reject(error);
      }
    });
    let data: unknown;
    try {
      const fields = collectFields(execution.schema, execution.fragments, execution.variableValues, queryType, execution.operation.selectionSet) as Fields;
      data = attempt.object(queryType, fields, execution.rootValue, undefined);
      attempt.inFirstPass = false;
    } catch {
      // Whatever went wrong (an error a resolver threw, a value graphql-js would refuse), graphql-js
      // is the one to report it.
      attempt.giveUp();
      return;
    }
    if (!isPromiseLike(data)) {
      resolve({ data: data as Record<string, unknown> });
      return;
    }
    // Settles only with the attempt's data: every failure after a promise is a give-up.
    data.then((done) => {
      if (!attempt.gaveUp) resolve({ data: done as Record<string, unknown> });
    });
  });
}
