import { Rpc } from '../../server/index.ts';
import { errorResponse } from './grpc-status.ts';
import { LineStream } from './line-stream.ts';
import type { Route } from './routes.ts';
import { refuseFirstMessage } from './streams.ts';
import { decodeRequest, type GatewayCall } from './unary.ts';

/** The server-streaming methods (their request decodes as a unary one's; the answer is a stream). */
const SERVER_STREAMS = new Set(['etcdserverpb.Maintenance/Snapshot', 'v3electionpb.Election/Observe']);

/**
 * etcd 3.4's v3rpc interceptors on a member that is a learner (v3rpc/interceptor.go
 * `newUnaryInterceptor`, `newStreamInterceptor`; util.go `isRPCSupportedForLearner`): a learner
 * serves Status and serializable Range only; every other call, lock and election included (they
 * are registered on the same gRPC server), is refused with "etcdserver: rpc not supported for
 * learner", and every stream too. The gateway decodes the request before the gRPC call, so a
 * request that does not decode gets its decoding error, as from any member.
 *
 * Returns the call to serve (its body read and handed on again), or the refusal.
 */
export async function guardLearner(route: Route, call: GatewayCall): Promise<GatewayCall | Response> {
  if (route.bidirectional) return (await refuseFirstMessage(call, route.request)) ?? streamRefusal();
  const bytes = new Uint8Array(await new Response(call.body).arrayBuffer());
  const served = { ...call, body: bodyOf(bytes) };
  const decoded = await decodeRequest({ ...call, body: bodyOf(bytes) }, route.request);
  if ('response' in decoded) return decoded.response;
  if (SERVER_STREAMS.has(`${route.service}/${route.method}`)) return streamRefusal();
  const supported = route.method === 'Status' || (route.method === 'Range' && decoded.request.serializable === true);
  if (supported) return served;
  return errorResponse(Rpc.NotSupportedForLearner.code, Rpc.NotSupportedForLearner.message, true);
}

/**
 * A stream the interceptor refused: the gRPC stream fails before its first message, so the
 * gateway answers with the error's status and one error line, and no stream metadata.
 */
function streamRefusal(): Promise<Response> {
  const lines = new LineStream();
  lines.fail(Rpc.NotSupportedForLearner.code, Rpc.NotSupportedForLearner.message);
  return lines.response(undefined, false);
}

function bodyOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}
