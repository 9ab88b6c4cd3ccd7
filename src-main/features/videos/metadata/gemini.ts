/**
 * The Gemini API's `generateContent` over fetch: a prompt and inline images in, the first
 * candidate's text out. Any server speaking the same request and response shapes works
 * (the endpoint is a setting). The key travels in the `x-goog-api-key` header, never in the
 * URL, so no proxy or error message carries it. A hand-written call rather than the SDK:
 * it is one POST, and the SDK is not installed.
 */

export interface InlineImage {
  mimeType: string;
  data: Buffer;
}

export interface GenerateRequest {
  endpoint: string;
  model: string;
  prompt: string;
  images: readonly InlineImage[];
  signal?: AbortSignal;
  /** Default 120 s: a vision call on a few frames answers in seconds. */
  timeoutMs?: number;
}

export type GenerateOutcome =
  | { kind: 'ok'; text: string }
  /** HTTP 429: this key is out of quota until `retryAt`. */
  | { kind: 'rate_limited'; retryAt: number; message: string }
  /** The key itself is refused (400 API_KEY_INVALID, 401, 403). */
  | { kind: 'key_refused'; status: number; message: string }
  /** Worth trying again later (5xx, a dropped connection, a timeout). */
  | { kind: 'transient'; message: string }
  /** The request is wrong or the answer unusable; retrying will not help. */
  | { kind: 'failed'; message: string };

export function generateContentUrl(endpoint: string, model: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1beta/models/${encodeURIComponent(model)}:generateContent`;
}

/** The request body, as the API documents it (snake_case names, as its REST examples use). */
export function generateContentBody(prompt: string, images: readonly InlineImage[]): unknown {
  return {
    contents: [
      {
        role: 'user',
        parts: [{ text: prompt }, ...images.map((img) => ({ inline_data: { mime_type: img.mimeType, data: img.data.toString('base64') } }))],
      },
    ],
    generationConfig: { temperature: 0, response_mime_type: 'application/json' },
  };
}

const DEFAULT_RETRY_MS = 60_000;

/** When a 429 says to come back: Retry-After (seconds or a date), else RetryInfo's retryDelay ("17s"), else a minute. */
export function retryAtOf(headers: Headers, body: unknown, now: number): number {
  const header = headers.get('retry-after');
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1000;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(now, date);
  }
  const details = (body as { error?: { details?: unknown } } | null)?.error?.details;
  if (Array.isArray(details)) {
    for (const d of details) {
      const delay = (d as { retryDelay?: unknown } | null)?.retryDelay;
      const m = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
      if (m) return now + Number(m[1]) * 1000;
    }
  }
  return now + DEFAULT_RETRY_MS;
}

function errorText(body: unknown, status: number): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' && message ? message.slice(0, 300) : `HTTP ${status}`;
}

export async function generateContent(key: string, req: GenerateRequest): Promise<GenerateOutcome> {
  const timeout = AbortSignal.timeout(req.timeoutMs ?? 120_000);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(generateContentUrl(req.endpoint, req.model), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify(generateContentBody(req.prompt, req.images)),
      signal,
    });
  } catch (err) {
    if (req.signal?.aborted) throw err;
    return { kind: 'transient', message: `the metadata API cannot be reached: ${(err as Error).message}` };
  }
  const raw = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = null;
  }
  if (res.status === 429) return { kind: 'rate_limited', retryAt: retryAtOf(res.headers, body, Date.now()), message: errorText(body, 429) };
  if (res.status === 401 || res.status === 403 || (res.status === 400 && /API_KEY_INVALID|API key not valid/i.test(raw))) {
    return { kind: 'key_refused', status: res.status, message: errorText(body, res.status) };
  }
  if (res.status >= 500 || res.status === 408) return { kind: 'transient', message: `the metadata API answered ${res.status}: ${errorText(body, res.status)}` };
  if (!res.ok) return { kind: 'failed', message: `the metadata API refused the request (${res.status}): ${errorText(body, res.status)}` };
  const text = (body as { candidates?: { content?: { parts?: { text?: unknown }[] } }[] } | null)?.candidates?.[0]?.content?.parts?.[0]?.text;
  if (typeof text !== 'string') return { kind: 'failed', message: 'the metadata API answered without text (candidates[0].content.parts[0].text)' };
  return { kind: 'ok', text };
}
