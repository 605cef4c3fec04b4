import { LEADER } from './names.ts';
import type { ProbeEnv } from './probe-member.ts';

export { ProbeMember } from './probe-member.ts';

/**
 * The probe's front door: the one worker→object hop edgecd's front door also makes, to the
 * "leader" object, with the request passed through untouched.
 */
export default {
  fetch(request: Request, env: ProbeEnv): Promise<Response> {
    return env.PROBE.get(env.PROBE.idFromName(LEADER)).fetch(request);
  },
};
