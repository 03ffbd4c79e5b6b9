// The fixed notices a portal page shows after a form (?done=…): a link can only pick one of the page's
// texts, never bring text of its own.
import type { Context } from "hono";
import type { AppEnv } from "../env";

const isKey = <T extends object>(texts: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(texts, key);

/** The page's notice named by ?done=, or undefined for none or an unknown name. */
export const doneNoticeOf =
  <T extends Record<string, string>>(texts: T) =>
  (c: Context<AppEnv>): T[Extract<keyof T, string>] | undefined => {
    const done = c.req.query("done");
    return done !== undefined && isKey(texts, done) ? texts[done] : undefined;
  };
