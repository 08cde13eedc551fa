// fastify's connectionTimeout is a socket *inactivity* timer: a request waiting silently for the
// inference queue, a URL fetch or a slow model would have its socket destroyed mid-work and the
// client would see a reset instead of an answer. Once the body has arrived, the server's own
// per-request deadline bounds the work, so routes that compute mark the socket's inactivity
// timeout as handled for the rest of the request.
import type { FastifyReply, FastifyRequest } from 'fastify';

export async function keepConnectionWhileWorking(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.raw.on('timeout', () => {
    request.log.debug('connection idle while the server works on the request; the request deadline applies');
  });
}
