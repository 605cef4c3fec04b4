import { etcdctlScript } from './etcdctl-script.ts';

// The seed's `ETCDCTL_API=3 etcdctl ...` against `npm start`'s client port (gRPC beside HTTP).
etcdctlScript('launcher');
