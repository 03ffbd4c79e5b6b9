// Starts the real stack once for the browser suite and hands its address to the tests.
import type { TestProject } from "vitest/node";
import { startBrowserStack } from "./stack.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    adminToken: string;
  }
}

export default async function setup(project: TestProject) {
  const stack = await startBrowserStack({ log: console.log });
  project.provide("baseUrl", stack.baseUrl);
  project.provide("adminToken", stack.adminToken);
  return () => stack.stop();
}
