import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      UNREACHABLE_DATABASE_URL: string;
      FAKE_SMS_GATEWAY_URL: string;
      HELD_POSTING_URL: string;
    }
  }
}
