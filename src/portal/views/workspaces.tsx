/** @jsxImportSource hono/jsx */
// The workspace list: search by name prefix or id, keyset pages, and a form to create one.
import type { z } from "@hono/zod-openapi";
import type { WorkspaceList } from "../../apis/admin/workspaces/schemas";
import { formatTime } from "./format";
import { Layout, PostForm } from "./layout";

type Props = { list: z.infer<typeof WorkspaceList>; q: string; error?: string };

export function WorkspacesPage({ list, q, error }: Props) {
  const next = list.next_cursor
    ? `/portal/workspaces?${new URLSearchParams({ ...(q ? { q } : {}), cursor: list.next_cursor })}`
    : null;
  return (
    <Layout title="Workspaces" nav="workspaces" error={error}>
      <h1>Workspaces</h1>
      <form method="get" action="/portal/workspaces" class="row">
        <label>
          Name or id
          <input type="search" name="q" value={q} placeholder="Start of a name, or a workspace id" />
        </label>
        <button type="submit">Search</button>
      </form>
      <section class="card">
        {list.workspaces.length === 0 ? (
          <p class="muted">No workspace matches.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Id</th>
                <th class="num">Accounts</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {list.workspaces.map((w) => (
                <tr>
                  <td>
                    <a href={`/portal/workspaces/${w.id}`}>{w.name}</a>
                  </td>
                  <td class="mono">{w.id}</td>
                  <td class="num">{w.account_count}</td>
                  <td>{formatTime(w.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next && (
          <p>
            <a href={next} rel="next">
              Next page →
            </a>
          </p>
        )}
      </section>
      <section class="card narrow">
        <h2>New workspace</h2>
        <PostForm action="/portal/workspaces" class="row" once>
          <label>
            Name
            <input name="name" required maxlength={200} />
          </label>
          <button type="submit">Create</button>
        </PostForm>
      </section>
    </Layout>
  );
}
