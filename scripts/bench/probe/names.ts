/** The probe's three objects: every client request goes to the leader; the others only persist. */
export const LEADER = 'p1';
export const FOLLOWERS = ['p2', 'p3'] as const;
