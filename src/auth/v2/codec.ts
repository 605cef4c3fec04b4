import { goFieldMatches, goQuote, goStringSlice, parseGoJSON, type GoJSONValue } from './go-json.ts';
import { emptyRole, emptyUser, type Permissions, type Role, type RWPermission, type User } from './types.ts';

/**
 * etcd's v2auth `User` and `Role` in and out of JSON, as Go's `encoding/json` reads and writes
 * those structs: the request bodies of `PUT /v2/auth/users/<name>` and `/roles/<name>`
 * (`json.NewDecoder(r.Body).Decode`), the values kept under `/2` (`json.Marshal`, read back with
 * `json.Unmarshal`), and the answers.
 */

/** A value that does not fit the struct (Go's `UnmarshalTypeError`). */
export class GoJSONTypeError extends Error {}

export type DecodeMode = 'decoder' | 'unmarshal';

export function decodeUser(text: string, mode: DecodeMode): User {
  const user = emptyUser();
  const slices = new SliceState();
  decodeStruct(parseGoJSON(text, mode === 'decoder' ? 'ignore' : 'error'), {
    user: (v) => (user.user = decodeString(user.user, v)),
    password: (v) => (user.password = decodeString(user.password, v)),
    roles: (v) => (user.roles = slices.decode(user.roles, v)),
    grant: (v) => (user.grant = slices.decode(user.grant, v)),
    revoke: (v) => (user.revoke = slices.decode(user.revoke, v)),
  });
  return user;
}

export function decodeRole(text: string, mode: DecodeMode): Role {
  const role = emptyRole();
  const slices = new SliceState();
  decodeStruct(parseGoJSON(text, mode === 'decoder' ? 'ignore' : 'error'), {
    role: (v) => (role.role = decodeString(role.role, v)),
    permissions: (v) => decodePermissions(role.permissions, v, slices),
    grant: (v) => (role.grant = decodePermissionsPointer(role.grant, v, slices)),
    revoke: (v) => (role.revoke = decodePermissionsPointer(role.revoke, v, slices)),
  });
  return role;
}

/** Go's `json.Unmarshal` into a `bool` (`/2/enabled`). */
export function decodeBool(text: string): boolean {
  const value = parseGoJSON(text, 'error');
  if (value.kind === 'bool') return value.value;
  // `null` leaves the bool false; anything else is a type error.
  if (value.kind === 'null') return false;
  throw new GoJSONTypeError(`json: cannot unmarshal ${value.kind} into Go value of type bool`);
}

/** `json.Marshal(user)`: the struct's field order, `omitempty` on password, grant and revoke. */
export function encodeUser(u: User): string {
  let out = `{"user":${goQuote(u.user)}`;
  if (u.password !== '') out += `,"password":${goQuote(u.password)}`;
  out += `,"roles":${goStringSlice(u.roles)}`;
  if (u.grant !== null && u.grant.length > 0) out += `,"grant":${goStringSlice(u.grant)}`;
  if (u.revoke !== null && u.revoke.length > 0) out += `,"revoke":${goStringSlice(u.revoke)}`;
  return `${out}}`;
}

/** `json.Marshal(role)`: grant and revoke are pointers with `omitempty`, so only nil hides them. */
export function encodeRole(r: Role): string {
  let out = `{"role":${goQuote(r.role)},"permissions":${encodePermissions(r.permissions)}`;
  if (r.grant !== null) out += `,"grant":${encodePermissions(r.grant)}`;
  if (r.revoke !== null) out += `,"revoke":${encodePermissions(r.revoke)}`;
  return `${out}}`;
}

function encodePermissions(p: Permissions): string {
  return `{"kv":{"read":${goStringSlice(p.kv.read)},"write":${goStringSlice(p.kv.write)}}}`;
}

// ---- decoding into a struct, Go's way ----

type FieldDecoders = Record<string, (value: GoJSONValue) => void>;

/**
 * An object's keys decode in order into the field each names (an exact name first, then Go's
 * case-folding match); unknown keys are skipped; `null` leaves the struct as it is.
 */
function decodeStruct(value: GoJSONValue, fields: FieldDecoders): void {
  if (value.kind === 'null') return;
  if (value.kind !== 'object') throw new GoJSONTypeError(`json: cannot unmarshal ${value.kind} into Go struct`);
  const names = Object.keys(fields);
  for (const [key, v] of value.entries) {
    const name = names.find((n) => n === key) ?? names.find((n) => goFieldMatches(n, key));
    if (name !== undefined) fields[name]!(v);
  }
}

/** A string field: `null` is a no-op, a string replaces it. */
function decodeString(current: string, value: GoJSONValue): string {
  if (value.kind === 'null') return current;
  if (value.kind !== 'string') throw new GoJSONTypeError(`json: cannot unmarshal ${value.kind} into Go value of type string`);
  return value.value;
}

function decodePermissions(target: Permissions, value: GoJSONValue, slices: SliceState): void {
  decodeStruct(value, { kv: (v) => decodeRWPermission(target.kv, v, slices) });
}

function decodeRWPermission(target: RWPermission, value: GoJSONValue, slices: SliceState): void {
  decodeStruct(value, {
    read: (v) => (target.read = slices.decode(target.read, v)),
    write: (v) => (target.write = slices.decode(target.write, v)),
  });
}

/** A `*Permissions`: `null` makes it nil; an object decodes into it, allocating it if nil. */
function decodePermissionsPointer(current: Permissions | null, value: GoJSONValue, slices: SliceState): Permissions | null {
  if (value.kind === 'null') return null;
  const target = current ?? { kv: { read: null, write: null } };
  decodePermissions(target, value, slices);
  return target;
}

/**
 * `[]string` fields, decoded as Go decodes into a slice that may already hold a value (a key
 * that came twice): elements are decoded in place, so a `null` element keeps what that position
 * of the backing array held, and the slice grows as `reflect` grows it (capacity ×1.5, at least
 * 4). Only a decode that sees the same field twice can tell; etcd's clients send each once.
 */
class SliceState {
  private readonly backing = new WeakMap<string[], { array: string[]; cap: number }>();

  decode(current: string[] | null, value: GoJSONValue): string[] | null {
    if (value.kind === 'null') return null;
    if (value.kind !== 'array') throw new GoJSONTypeError(`json: cannot unmarshal ${value.kind} into Go value of type []string`);
    if (value.items.length === 0) return [];
    let state = current === null ? { array: [] as string[], cap: 0 } : (this.backing.get(current) ?? { array: [...current], cap: current.length });
    let len = current?.length ?? 0;
    len = Math.min(len, state.cap);
    const visible = (i: number): string => state.array[i] ?? '';
    let i = 0;
    for (const item of value.items) {
      if (i >= state.cap) {
        let cap = state.cap + (state.cap >> 1);
        if (cap < 4) cap = 4;
        state = { array: state.array.slice(0, len), cap };
      }
      if (i >= len) len = i + 1;
      state.array[i] = decodeString(visible(i), item);
      i++;
    }
    const result = state.array.slice(0, i);
    this.backing.set(result, state);
    return result;
  }
}
