/** @jsxImportSource hono/jsx */
// The sign-in page: the admin token in, a session cookie out (see ../session.ts).
import { Layout } from "./layout";

export function SignInPage({ next, error }: { next: string; error?: string }) {
  return (
    <Layout title="Sign in" signedIn={false} error={error}>
      <section class="card narrow">
        <h1>Sign in</h1>
        <p class="muted">With the admin token (the Worker's ADMIN_TOKEN secret).</p>
        <form method="post" action="/portal/sign-in">
          <input type="hidden" name="next" value={next} />
          <label>
            Admin token
            <input type="password" name="token" autocomplete="current-password" required autofocus />
          </label>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}
