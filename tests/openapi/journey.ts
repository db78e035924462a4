// A gateway team's first journey, written against the client generated from the console's OpenAPI document: the
// paths, bodies and answers are the generated types, so this file stops compiling when the document stops
// describing what it calls. Registers a family and a bundle, makes it ACTIVE and resolves a route; reads a
// problem-details answer; and sends the key as a bearer token.
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema.js";

export interface JourneyResult {
  family: string;
  bundle: string;
  registeredStage: string;
  bundleHash: string;
  activatedTo: string;
  routedBundle: string;
  routedStage: string;
  routingVersion: number;
  unknownFamilyStatus: number;
  unknownFamilyTitle: string | null | undefined;
  invalidFields: string[];
  bearerFamilies: string[];
  anonymousStatus: number;
}

export async function runJourney(baseUrl: string, key: string): Promise<JourneyResult> {
  const client = createClient<paths>({ baseUrl, headers: { "X-Api-Key": key } });
  const suffix = Math.random().toString(16).slice(2, 8);
  const family = `openapi-${suffix}`;
  const bundle = `${family}-v1`;

  const created = await client.POST("/api/v1/families", { body: { name: family, description: "made by the generated client" } });
  if (created.error || created.response.status !== 201) throw new Error(`create family: ${created.response.status} ${JSON.stringify(created.error)}`);

  const registered = await client.POST("/api/v1/bundles", {
    body: { name: bundle, family, provider: "openai", modelId: "gpt-4o-mini", prompt: "You answer support tickets.", config: { temperature: 0.2 } },
  });
  if (!registered.data) throw new Error(`register bundle: ${registered.response.status} ${JSON.stringify(registered.error)}`);

  const moved = await client.POST("/api/v1/bundles/{name}/transitions", {
    params: { path: { name: bundle } },
    body: { to: "ACTIVE", reason: "first bundle of the family" },
  });
  if (!moved.data) throw new Error(`transition: ${moved.response.status} ${JSON.stringify(moved.error)}`);

  const routed = await client.GET("/api/v1/families/{family}/route", {
    params: { path: { family }, query: { subject: "user-42" } },
  });
  if (!routed.data) throw new Error(`route: ${routed.response.status} ${JSON.stringify(routed.error)}`);

  const unknown = await client.GET("/api/v1/families/{family}/route", {
    params: { path: { family: `missing-${suffix}` }, query: { subject: "user-42" } },
  });

  const invalid = await client.POST("/api/v1/families", { body: { name: "Not A Name!" } });

  const bearer = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });
  const listed = await bearer.GET("/api/v1/families");
  if (!listed.data) throw new Error(`families over bearer: ${listed.response.status}`);

  const anonymous = await createClient<paths>({ baseUrl }).GET("/api/v1/routing-table");

  return {
    family,
    bundle,
    registeredStage: registered.data.stage ?? "",
    bundleHash: registered.data.bundleHash ?? "",
    activatedTo: moved.data.to ?? "",
    routedBundle: routed.data.bundle ?? "",
    routedStage: routed.data.stage ?? "",
    routingVersion: routed.data.routingVersion,
    unknownFamilyStatus: unknown.response.status,
    unknownFamilyTitle: unknown.error?.title,
    invalidFields: Object.keys(invalid.error && "errors" in invalid.error ? invalid.error.errors ?? {} : {}),
    bearerFamilies: listed.data.map((f) => f.name ?? ""),
    anonymousStatus: anonymous.response.status,
  };
}
