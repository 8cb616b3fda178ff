import { parseJson, type JsonObject } from '../../src/flux/json';
import { JobListError, JOB_LIST_ATTRS, jobFieldsToAttrs } from '../../src/joblist';
import { wireCapture } from './fixtures';

describe('jobFieldsToAttrs (section 8.6)', () => {
  it.each<[string[], string[]]>([
    [['id'], []],
    [['id.f58', 'id.dec', 'id.hex', 'id.f58plain', 'id.emoji', 'id.kvs', 'id.words', 'id.dothex', 'jobid'], []],
    [['userid'], ['userid']],
    [['username'], ['userid']],
    [['state_single'], ['state']],
    [['state_emoji'], ['state']],
    [['returncode'], ['result', 'waitstatus']],
    [['exception.occurred'], ['exception_occurred']],
    [['exception.severity'], ['exception_severity']],
    [['exception.type'], ['exception_type']],
    [['exception.note'], ['exception_note']],
    [['result_abbrev'], ['result']],
    [['runtime'], ['t_run', 't_cleanup']],
    [['status'], ['state', 'result']],
    [['status_abbrev'], ['state', 'result']],
    [['expiration'], ['state', 'result', 'expiration']],
    [['t_remaining'], ['state', 'result', 'expiration']],
    [['contextual_info'], ['urgency', 'priority', 'state', 'nodelist', 'annotations', 'dependencies']],
    [['contextual_time'], ['t_run', 't_cleanup', 'state', 'duration']],
    [
      ['inactive_reason'],
      ['state', 'exception_occurred', 'exception_type', 'exception_severity', 'exception_note', 'result', 'waitstatus'],
    ],
    [['annotations.sched.t_estimate'], ['annotations']],
    [['sched'], ['annotations']],
    [['sched.reason_pending'], ['annotations']],
    [['user.anything.at.all'], ['annotations']],
    [['uri'], ['annotations']],
    [['uri.local'], ['annotations']],
    [['instance.stats.total'], ['state', 'result', 'annotations']],
    [['t_submit', 't_inactive'], ['t_submit', 't_inactive']],
  ])('%j needs %j', (fields, attrs) => {
    expect(jobFieldsToAttrs(fields)).toEqual(attrs);
  });

  it('maps every field with the same name as an attribute to that attribute', () => {
    const sameName = JOB_LIST_ATTRS.filter((attr) => !attr.startsWith('exception_') && attr !== 'expiration');
    for (const attr of sameName) expect(jobFieldsToAttrs([attr])).toEqual([attr]);
  });

  it('accepts our camelCase getter names', () => {
    expect(jobFieldsToAttrs(['stateSingle', 'tSubmit', 'tRemaining'])).toEqual(['t_submit', 'state', 'result', 'expiration']);
    expect(jobFieldsToAttrs(['contextualTime', 'statusAbbrev', 'resultId', 'stateId'])).toEqual([
      't_run',
      't_cleanup',
      'state',
      'duration',
      'result',
    ]);
    expect(jobFieldsToAttrs(['exception'])).toEqual(['exception_occurred', 'exception_type', 'exception_severity', 'exception_note']);
    expect(jobFieldsToAttrs(['inactiveReason'])).toEqual(jobFieldsToAttrs(['inactive_reason']));
  });

  it('gives each attribute once, in the service\'s order, from any iterable', () => {
    expect(jobFieldsToAttrs(new Set(['name', 'status', 'state', 'userid', 'username']))).toEqual(['userid', 'state', 'name', 'result']);
  });

  it.each(['nosuch', 'id.bogus', 'exception.when', 'uri.remote', 'Name', 'tSubmitted', ''])('rejects %j', (field) => {
    let caught: unknown;
    try {
      jobFieldsToAttrs(['name', field]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JobListError);
    expect(caught).toMatchObject({ code: 'INVALID_ARGUMENT', message: `Unknown job field: ${field}` });
  });

  it('lists the attributes in the order a 0.88 broker answered job-list.list-attrs', () => {
    const answer = wireCapture().find((m) => m.dir === 'broker->client' && m.topic === 'job-list.list-attrs');
    const attrs = (parseJson(answer?.payload ?? '') as JsonObject).attrs as string[];
    expect([...JOB_LIST_ATTRS, 'all']).toEqual(attrs);
  });
});
