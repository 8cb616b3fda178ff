export { EmbeddedHandle, type EmbeddedHandleOptions } from './wire/embedded-handle';
export { EmbeddedInstance, type EmbeddedInstanceOptions } from './embedded-instance';
export { EmbeddedInputError } from './store/input-error';
export { JOB_ATTRIBUTES, type JobAttribute } from './service/attribute-projection';
export { JobListService, DEFAULT_MAX_COMPARISONS, type JobListServiceOptions } from './service/job-list-service';
export { JobStore, type JobStoreOptions } from './store/job-store';
export type { JobDocuments, JobSink } from './store/job-documents';
export type { Respond, ServiceHandler, ServiceRequest, ServiceResponse } from './service/service-types';
export type { TimerApi } from './service/stats-watchers';
