import { Errno } from '../../flux/constants';
import { type Respond, type ServiceHandler, type ServiceRequest, serviceOf } from './service-types';

/** Sends each request to the service its topic names, as a broker routes them; ENOSYS for others. */
export function routeServices(services: Readonly<Record<string, ServiceHandler>>): ServiceHandler & { readonly names: readonly string[] } {
  const table = new Map(Object.entries(services));
  return {
    names: [...table.keys()],
    handle(request: ServiceRequest, respond: Respond): void {
      const service = table.get(serviceOf(request.topic));
      if (service === undefined) respond({ errnum: Errno.ENOSYS, errstr: `No service matching ${request.topic} is registered` });
      else service.handle(request, respond);
    },
  };
}
