// Helpers for the back office's route tests: form posts and page reads through the real worker, with
// redirects left to the test to look at.
import { env, SELF } from "cloudflare:test";

export const ORIGIN = "https://api.test";

type PortalInit = {
  method?: string;
  cookie?: string;
  form?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  origin?: string | null;
};

export async function portal(path: string, init: PortalInit = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  let body: string | undefined;
  if (init.form) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(init.form)) for (const one of [v].flat()) params.append(k, one);
    body = params.toString();
    headers["content-type"] ??= "application/x-www-form-urlencoded";
  }
  const method = init.method ?? (init.form ? "POST" : "GET");
  if (method !== "GET" && init.origin !== null) headers.origin = init.origin ?? ORIGIN;
  const res = await SELF.fetch(`${ORIGIN}${path}`, { method, headers, body, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * Signs in with the admin token; returns the Cookie header value of the session. Each from an address of
 * its own: the sign-in limiter counts every attempt per address, right tokens too.
 */
export async function signIn(): Promise<string> {
  const res = await portal("/portal/sign-in", {
    form: { token: env.ADMIN_TOKEN, next: "/portal" },
    headers: { "cf-connecting-ip": `198.18.${randomOctet()}.${randomOctet()}` },
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${res.text.slice(0, 300)}`);
  const cookie = res.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0]!;
}

const randomOctet = () => crypto.getRandomValues(new Uint8Array(1))[0]!;

/** The value of a hidden input (or any input) named `name` in a page. */
export const inputValue = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? null;
