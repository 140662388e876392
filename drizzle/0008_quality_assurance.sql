CREATE TABLE "credential_reviews" (
	"id" serial PRIMARY KEY NOT NULL,
	"credential_id" integer NOT NULL,
	"version_no" integer NOT NULL,
	"reviewer_id" integer,
	"summary" text NOT NULL,
	"changes_made" text NOT NULL,
	"reviewed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "survey_participation" (
	"award_id" integer NOT NULL,
	"kind" text NOT NULL,
	"outcome" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "survey_participation_award_id_kind_pk" PRIMARY KEY("award_id","kind")
);
--> statement-breakpoint
CREATE TABLE "survey_responses" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_id" integer NOT NULL,
	"credential_id" integer NOT NULL,
	"kind" text NOT NULL,
	"satisfaction" integer,
	"relevance" integer,
	"recommend" integer,
	"applied" integer,
	"comment" text DEFAULT '' NOT NULL,
	"month" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "course_assessment_settings" ADD COLUMN "follow_up_months" integer DEFAULT 6 NOT NULL;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_policy_title" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_policy_text" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_policy_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credential_reviews" ADD CONSTRAINT "credential_reviews_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_reviews" ADD CONSTRAINT "credential_reviews_reviewer_id_lti_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."lti_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_participation" ADD CONSTRAINT "survey_participation_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credential_reviews_credential_idx" ON "credential_reviews" USING btree ("credential_id","reviewed_at");--> statement-breakpoint
CREATE INDEX "survey_responses_credential_idx" ON "survey_responses" USING btree ("credential_id","kind");--> statement-breakpoint
-- Answers stay inside their scales; a survey kind is one of two.
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_scales_ck" CHECK (
  "kind" IN ('award', 'follow-up')
  AND ("satisfaction" IS NULL OR "satisfaction" BETWEEN 1 AND 5)
  AND ("relevance" IS NULL OR "relevance" BETWEEN 1 AND 5)
  AND ("recommend" IS NULL OR "recommend" BETWEEN 0 AND 10)
  AND ("applied" IS NULL OR "applied" BETWEEN 1 AND 5)
  AND "month" ~ '^[0-9]{4}-[0-9]{2}$'
);--> statement-breakpoint
ALTER TABLE "survey_participation" ADD CONSTRAINT "survey_participation_kind_ck" CHECK ("kind" IN ('award', 'follow-up') AND "outcome" IN ('answered', 'declined'));--> statement-breakpoint
ALTER TABLE "course_assessment_settings" ADD CONSTRAINT "course_assessment_settings_follow_up_ck" CHECK ("follow_up_months" BETWEEN 1 AND 36);--> statement-breakpoint
-- A published review is a record: never changed (it goes only with its credential).
CREATE FUNCTION credential_reviews_unchangeable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a published credential review is never changed; record a new review instead' USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER credential_reviews_no_update BEFORE UPDATE ON "credential_reviews" FOR EACH ROW EXECUTE FUNCTION credential_reviews_unchangeable();
