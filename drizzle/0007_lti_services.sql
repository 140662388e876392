CREATE TABLE "course_services" (
	"course_id" integer PRIMARY KEY NOT NULL,
	"line_items_url" text,
	"ags_scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"memberships_url" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_roster_sync_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "grade_passback" (
	"course_id" integer NOT NULL,
	"credential_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"wanted_timestamp" timestamp (3) with time zone NOT NULL,
	"sent_timestamp" timestamp (3) with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grade_passback_course_id_credential_id_learner_id_pk" PRIMARY KEY("course_id","credential_id","learner_id")
);
--> statement-breakpoint
CREATE TABLE "line_items" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_id" integer NOT NULL,
	"credential_id" integer NOT NULL,
	"url" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "course_services" ADD CONSTRAINT "course_services_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grade_passback" ADD CONSTRAINT "grade_passback_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grade_passback" ADD CONSTRAINT "grade_passback_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grade_passback" ADD CONSTRAINT "grade_passback_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "line_items" ADD CONSTRAINT "line_items_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "line_items" ADD CONSTRAINT "line_items_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grade_passback_status_idx" ON "grade_passback" USING btree ("course_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "line_items_course_credential_uq" ON "line_items" USING btree ("course_id","credential_id");