/** @jsxImportSource hono/jsx */
// The page frame of the back office: navigation, sign-out, notices. Styles and script are the
// Worker's own static assets (public/portal/), allowed by the CSP as 'self'; no inline style or script.
import type { Child } from "hono/jsx";

export const ASSETS = { css: "/portal/assets/portal.css", js: "/portal/assets/portal.js" };

/** The sections of the navigation, in order: the page of each marks its own link as current. */
const SECTIONS = [
  ["overview", "/portal", "Overview"],
  ["workspaces", "/portal/workspaces", "Workspaces"],
  ["ledger", "/portal/ledger", "Ledger"],
  ["approvals", "/portal/approvals", "Approvals"],
  ["audit", "/portal/audit", "Audit"],
  ["reconciliations", "/portal/reconciliations", "Reconciliations"],
] as const;

type Props = {
  title: string;
  children?: Child;
  signedIn?: boolean;
  notice?: string;
  error?: string;
  nav?: (typeof SECTIONS)[number][0];
};

export function Layout({ title, children, signedIn = true, notice, error, nav }: Props) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · payments-edge back office`}</title>
        <link rel="stylesheet" href={ASSETS.css} />
        <script src={ASSETS.js} defer />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/portal">
            payments-edge <span>back office</span>
          </a>
          {signedIn && (
            <form method="get" action="/portal/payments" class="inline search" aria-label="Find a payment">
              <label>
                Find a payment{" "}
                <input type="search" name="lookup" required maxlength={200} placeholder="reference, order id, id…" />
              </label>{" "}
              <button type="submit">Find</button>
            </form>
          )}
          {signedIn && (
            <nav>
              {SECTIONS.map(([section, href, label]) => (
                <a href={href} aria-current={nav === section ? "page" : undefined}>
                  {label}
                </a>
              ))}
              <a href="/docs">API reference</a>
              <form method="post" action="/portal/sign-out" class="inline">
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            </nav>
          )}
        </header>
        <main>
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {children}
        </main>
      </body>
    </html>
  );
}

/** A POST form to a portal path, with an optional confirmation prompt (the script asks; without it, it posts). */
export function PostForm(props: {
  action: string;
  children?: Child;
  confirm?: string;
  class?: string;
  once?: boolean;
}) {
  return (
    <form
      method="post"
      action={props.action}
      class={props.class}
      data-confirm={props.confirm}
      data-once={props.once ? "" : undefined}
    >
      {props.children}
    </form>
  );
}

/** A destructive action behind a confirmation: a danger button in its own POST form. */
export function DangerForm(props: { action: string; confirm: string; label: string }) {
  return (
    <PostForm action={props.action} confirm={props.confirm}>
      <button type="submit" class="danger">
        {props.label}
      </button>
    </PostForm>
  );
}

/** "Retry now" for one merchant webhook delivery. */
export function RetryDeliveryForm(props: { action: string }) {
  return (
    <PostForm action={props.action}>
      <button type="submit">Retry now</button>
    </PostForm>
  );
}
