export { Member, FRONT_DOOR_HEADER, FRONT_DOOR_READ, LEADER_HEADER, NOT_LEADER_STATUS } from './member.ts';
export { MEMBER_HEADER } from './peer-transport.ts';
export { parseNameURLs, memberNameOfPeerURL, type MemberEnv } from './config.ts';
