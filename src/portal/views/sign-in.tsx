/** @jsxImportSource hono/jsx */
// The sign-in page: the admin token in, a session cookie out (see ../session.ts).
import { Layout } from "./layout";

export function SignInPage({ next, error }: { next: string; error?: string }) {
  return (
    <Layout title="Sign in" signedIn={false} error={error}>
      <section class="card narrow">
        <h1>Sign in</h1>
        <p class="muted">
          With your operator token (<code>op_…</code>), or the bootstrap admin token while it is enabled. In production,
          Cloudflare Access signs you in before this page.
        </p>
        <form method="post" action="/portal/sign-in">
          <input type="hidden" name="next" value={next} />
          <label>
            Token
            <input type="password" name="token" autocomplete="current-password" required autofocus />
          </label>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}
