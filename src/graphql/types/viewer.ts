import { builder } from '../builder';
import type { Viewer } from '../viewer';

const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The user this request is served for, as the server authenticated them.',
  fields: (t) => ({
    username: t.exposeString('username', { description: 'The name the user authenticated as.' }),
    userid: t.field({ type: 'SafeInt', description: "The user's uid on the Flux system, which the server's requests carry for them.", resolve: (v) => v.userid }),
    admin: t.exposeBoolean('admin', {
      description:
        "Served with the server's own credentials, as the instance owner is (Flux then shows every user's jobs, " +
        'even in private mode): the instance owner, a user named by --admin, or everyone when authentication is off.',
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'Who this request is served for. Flux decides what each user sees; this tells a client who it is.',
    resolve: (_root, _args, context) => context.viewer,
  }),
);
