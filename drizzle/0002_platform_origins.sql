CREATE TABLE "platform_origins" (
	"platform_id" integer NOT NULL,
	"origin" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platform_origins_platform_id_origin_pk" PRIMARY KEY("platform_id","origin")
);
--> statement-breakpoint
ALTER TABLE "platform_origins" ADD CONSTRAINT "platform_origins_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;