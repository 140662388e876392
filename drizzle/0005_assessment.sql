CREATE TABLE "assessments" (
	"id" serial PRIMARY KEY NOT NULL,
	"submission_id" integer NOT NULL,
	"assessor_id" integer NOT NULL,
	"role" text NOT NULL,
	"status" text DEFAULT 'requested' NOT NULL,
	"decision" text,
	"levels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"criterion_comments" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"overall_comment" text DEFAULT '' NOT NULL,
	"identity" jsonb,
	"requested_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_id" integer,
	"actor_id" integer,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" integer NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "awards" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_id" integer NOT NULL,
	"credential_id" integer NOT NULL,
	"credential_version_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"submission_id" integer NOT NULL,
	"assessment_id" integer NOT NULL,
	"assessor_id" integer NOT NULL,
	"rubric_results" jsonb NOT NULL,
	"evidence_refs" jsonb NOT NULL,
	"identity" jsonb NOT NULL,
	"grade" jsonb,
	"awarded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "course_assessment_settings" (
	"course_id" integer PRIMARY KEY NOT NULL,
	"assessor_not_learner" boolean DEFAULT true NOT NULL,
	"assessor_not_teacher" boolean DEFAULT false NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" integer
);
--> statement-breakpoint
CREATE TABLE "evidence_items" (
	"id" serial PRIMARY KEY NOT NULL,
	"submission_id" integer NOT NULL,
	"criterion_id" text,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"url" text,
	"body" text,
	"file_id" text,
	"verification" jsonb,
	"shared" boolean DEFAULT false NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "file_blobs" (
	"file_id" text PRIMARY KEY NOT NULL,
	"content" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"subject_id" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dispatched_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "stored_files" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" integer NOT NULL,
	"owner_id" integer NOT NULL,
	"filename" text NOT NULL,
	"mime_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"id" serial PRIMARY KEY NOT NULL,
	"course_id" integer NOT NULL,
	"credential_id" integer NOT NULL,
	"credential_version_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"attempt_no" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"assigned_assessor_id" integer,
	"launch_identity" jsonb,
	"lock_version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_assessor_id_lti_users_id_fk" FOREIGN KEY ("assessor_id") REFERENCES "public"."lti_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_requested_by_lti_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."lti_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_credential_version_id_credential_versions_id_fk" FOREIGN KEY ("credential_version_id") REFERENCES "public"."credential_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_assessment_id_assessments_id_fk" FOREIGN KEY ("assessment_id") REFERENCES "public"."assessments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awards" ADD CONSTRAINT "awards_assessor_id_lti_users_id_fk" FOREIGN KEY ("assessor_id") REFERENCES "public"."lti_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_assessment_settings" ADD CONSTRAINT "course_assessment_settings_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_assessment_settings" ADD CONSTRAINT "course_assessment_settings_updated_by_lti_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."lti_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_items" ADD CONSTRAINT "evidence_items_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_items" ADD CONSTRAINT "evidence_items_file_id_stored_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."stored_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_blobs" ADD CONSTRAINT "file_blobs_file_id_stored_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."stored_files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_files" ADD CONSTRAINT "stored_files_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_files" ADD CONSTRAINT "stored_files_owner_id_lti_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_credential_version_id_credential_versions_id_fk" FOREIGN KEY ("credential_version_id") REFERENCES "public"."credential_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_assigned_assessor_id_lti_users_id_fk" FOREIGN KEY ("assigned_assessor_id") REFERENCES "public"."lti_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assessments_submission_assessor_uq" ON "assessments" USING btree ("submission_id","assessor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "assessments_one_primary_uq" ON "assessments" USING btree ("submission_id") WHERE role = 'primary';--> statement-breakpoint
CREATE INDEX "audit_log_course_idx" ON "audit_log" USING btree ("course_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity_type","entity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "awards_credential_learner_uq" ON "awards" USING btree ("credential_id","learner_id");--> statement-breakpoint
CREATE INDEX "evidence_items_submission_idx" ON "evidence_items" USING btree ("submission_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_events_type_subject_uq" ON "outbox_events" USING btree ("type","subject_id");--> statement-breakpoint
CREATE INDEX "outbox_events_pending_idx" ON "outbox_events" USING btree ("id") WHERE dispatched_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "submissions_attempt_uq" ON "submissions" USING btree ("credential_id","learner_id","attempt_no");--> statement-breakpoint
CREATE UNIQUE INDEX "submissions_one_open_uq" ON "submissions" USING btree ("credential_id","learner_id") WHERE status IN ('draft', 'submitted');--> statement-breakpoint
CREATE INDEX "submissions_course_status_idx" ON "submissions" USING btree ("course_id","status");--> statement-breakpoint
-- The audit log is append-only: no row is ever changed or removed.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
-- A submitted attempt is immutable: its evidence can only change while it is a draft.
CREATE FUNCTION evidence_items_frozen_after_submit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  -- Only the learner's choice to share an item publicly may change later.
  IF TG_OP = 'UPDATE' AND ROW(NEW.submission_id, NEW.criterion_id, NEW.kind, NEW.title, NEW.url, NEW.body, NEW.file_id, NEW.verification, NEW.position)
     IS NOT DISTINCT FROM ROW(OLD.submission_id, OLD.criterion_id, OLD.kind, OLD.title, OLD.url, OLD.body, OLD.file_id, OLD.verification, OLD.position) THEN
    RETURN NEW;
  END IF;
  SELECT status INTO s FROM submissions WHERE id = COALESCE(NEW.submission_id, OLD.submission_id);
  -- A cascade from deleting the course or submission finds no row: let it through.
  IF s IS NOT NULL AND s <> 'draft' THEN
    RAISE EXCEPTION 'submission % is submitted; its evidence cannot change', COALESCE(NEW.submission_id, OLD.submission_id) USING ERRCODE = 'check_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END $$;
--> statement-breakpoint
CREATE TRIGGER evidence_items_frozen BEFORE INSERT OR UPDATE OR DELETE ON "evidence_items" FOR EACH ROW EXECUTE FUNCTION evidence_items_frozen_after_submit();
