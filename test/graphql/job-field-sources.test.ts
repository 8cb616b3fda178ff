import { GraphQLObjectType } from 'graphql';
import { EXCEPTION_FIELD_SOURCES, JOB_FIELD_SOURCES } from '../../src/graphql/selected-attributes';
import { schema } from '../../src/graphql/schema';
import { jobFieldsToAttrs } from '../../src/joblist';

function objectType(name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!(type instanceof GraphQLObjectType)) throw new Error(`no object type ${name}`);
  return type;
}

describe('every Job field has an attribute source', () => {
  it.each(Object.keys(objectType('Job').getFields()).filter((name) => name !== 'exception'))('Job.%s', (name) => {
    const sources = JOB_FIELD_SOURCES[name];
    expect(sources).toBeDefined();
    expect(() => jobFieldsToAttrs(sources ?? [])).not.toThrow();
  });

  it.each(Object.keys(objectType('JobException').getFields()))('JobException.%s', (name) => {
    const source = EXCEPTION_FIELD_SOURCES[name];
    expect(source).toBeDefined();
    expect(jobFieldsToAttrs([source ?? ''])).not.toEqual([]);
  });

  it('names no field the Job type does not have', () => {
    const fields = objectType('Job').getFields();
    expect(Object.keys(JOB_FIELD_SOURCES).filter((name) => fields[name] === undefined)).toEqual([]);
  });
});
