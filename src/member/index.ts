export { Member } from './member.ts';
