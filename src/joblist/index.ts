export { JobListError, type JobListErrorCode } from './errors';
export { type JobRecord, toJobRecord } from './job-record';
export { JobInfo, type JobInfoOptions, type JobException, type FluxJobInfoField } from './job-info';
export {
  DEFAULT_STREAM_THRESHOLD_BYTES,
  JobListRPC,
  jobList,
  jobListInactive,
  jobListPayload,
  shouldStream,
  processUserId,
  type JobListRequest,
  type JobListInactiveRequest,
} from './job-list-rpc';
export { JobListIdRPC, JobListIdsFuture, jobListId, getJob, toJobIdInput, type JobIdInput } from './job-list-id';
export { type JobLookupOutcome } from './job-lookup-outcome';
export { JobListFailure, classifyFailure } from './job-list-failure';
export { JobList, type JobListOptions } from './job-list';
export { ATTRIBUTE_REPLY_BYTES, JOB_REPLY_BASE_BYTES, estimateJobBytes, estimateReplyBytes } from './reply-size';
export { inServiceOrder, jobFieldsToAttrs, JOB_LIST_ATTRS } from './fields-to-attrs';
export { JobStats, fetchJobStatsResponse, queueNamesOf } from './job-stats-rpc';
export { listAttrs } from './list-attrs';
export { stateToString, resultToString, type NameFormat } from './state-names';
export { formatFsd } from './fsd';
export { signalDescription } from './signal-description';
export {
  systemUserDatabase,
  parsePasswd,
  parsePasswdLine,
  lookUpUid,
  withNameLookedUp,
  type PasswdEntry,
  type UserDatabase,
} from './user-database';
export {
  NssUserDatabase,
  systemNssUserDatabase,
  runGetent,
  getentRunner,
  parseGetentPasswd,
  type GetentResult,
  type GetentRunner,
  type NssUserDatabaseOptions,
} from './nss-user-database';
export { JobPager, type JobSource, type JobPage, type PageEdge, type PageOptions, type Pager } from './job-pager';
export { IdListPager, type IdListPosition, type JobLookup } from './id-list-pager';
export { type OrderPosition } from './job-order';
export { JobQuery, type JobQueryOptions } from './job-query';
export { recordChange, sameJson, type RecordChange } from './record-change';
export { withOwnJobsOnly } from './own-jobs-handle';
