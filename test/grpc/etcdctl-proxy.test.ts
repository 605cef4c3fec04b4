import { etcdctlScript } from './etcdctl-script.ts';

// The same script through `edgecd proxy --endpoint <front door>`: etcdctl on a workstation in
// front of a deployed cluster (the local front door stands in for the deployed worker).
etcdctlScript('child');
