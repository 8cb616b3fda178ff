export { EmbeddedHandle, type EmbeddedHandleOptions, type EmbeddedService } from './embedded-handle';
export { EmbeddedInstance, type EmbeddedInstanceOptions } from './embedded-instance';
export { EmbeddedInputError } from './input-error';
export { JOB_ATTRIBUTES, type JobAttribute } from './job-attributes';
export { JobListService, DEFAULT_MAX_COMPARISONS, type JobListServiceOptions } from './job-list-service';
export { JobStore, type JobStoreOptions } from './job-store';
export type { JobDocuments, JobSink, Respond, ServiceRequest, ServiceResponse } from './service-types';
export type { TimerApi } from './stats-watchers';
