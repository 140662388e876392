CREATE TABLE "issuer_profile" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"name" text NOT NULL,
	"url" text,
	"email" text,
	"country_code" text NOT NULL,
	"region" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
