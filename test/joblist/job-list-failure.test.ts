/**
 * classifyFailure: the one place a Flux failure is named, from class, code, topic and errno.
 * Each row gives the message text a different, misleading wording to show it is never read.
 */
import { Errno } from '../../src/flux/constants';
import { FluxError, FluxRpcError, FluxUnavailableError } from '../../src/flux/errors';
import { JobListErrno } from '../../src/flux/job-list-errnos';
import { JobListFailure, classifyFailure } from '../../src/joblist';

describe('classifyFailure', () => {
  it.each([
    ['list-id ENOENT', new FluxRpcError('job-list.list-id', Errno.ENOENT, 'constraint unavailable'), JobListFailure.NOT_FOUND],
    ['list-id EPROTO', new FluxRpcError('job-list.list-id', Errno.EPROTO, 'invalid payload: constraint'), JobListFailure.ERROR_RESPONSE],
    ['list-id EINVAL', new FluxRpcError('job-list.list-id', Errno.EINVAL, 'Excessive comparisons made'), JobListFailure.ERROR_RESPONSE],
    ['list EPROTO', new FluxRpcError('job-list.list', JobListErrno.INVALID_PAYLOAD, 'no such word here'), JobListFailure.INVALID_CONSTRAINT],
    ['list EPROTO without text', new FluxRpcError('job-list.list', Errno.EPROTO), JobListFailure.INVALID_CONSTRAINT],
    ['list EINVAL', new FluxRpcError('job-list.list', JobListErrno.EXCESSIVE_COMPARISONS, 'unrelated'), JobListFailure.TOO_MANY_COMPARISONS],
    ['list ENOENT', new FluxRpcError('job-list.list', Errno.ENOENT, 'JobID 1 unknown'), JobListFailure.ERROR_RESPONSE],
    ['job-stats EPERM (private mode): the user may not', new FluxRpcError('job-list.job-stats', Errno.EPERM), JobListFailure.FORBIDDEN],
    ['list EPERM (no USER role)', new FluxRpcError('job-list.list', Errno.EPERM, 'Request rejected due to insufficient privilege'), JobListFailure.FORBIDDEN],
    ['a refused connection', new FluxError('FLUX_CONNECT', 'nothing to see'), JobListFailure.UNAVAILABLE],
    ['a lost connection', new FluxError('FLUX_DISCONNECTED', 'gone'), JobListFailure.UNAVAILABLE],
    ['a handle that is down', new FluxUnavailableError('local:///x', 'the connection was closed'), JobListFailure.UNAVAILABLE],
    ['a timeout', new FluxError('FLUX_TIMEOUT', 'unavailable'), JobListFailure.TIMEOUT],
  ])('%s is %s', (_what, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it.each([
    ['a malformed reply', new FluxError('FLUX_PROTOCOL', 'Flux instance unavailable')],
    ['a bad URI', new FluxError('FLUX_URI', 'x')],
    ['a plain Error', new Error('Excessive comparisons made')],
    ['not an Error', 'unavailable'],
  ])('%s is no job-list failure', (_what, error) => {
    expect(classifyFailure(error)).toBeUndefined();
  });

  it('the emulation answers with the shared errnos', () => {
    expect(JobListErrno).toEqual({ UNKNOWN_JOB: Errno.ENOENT, INVALID_PAYLOAD: Errno.EPROTO, EXCESSIVE_COMPARISONS: Errno.EINVAL, NOT_PERMITTED: Errno.EPERM });
  });
});
