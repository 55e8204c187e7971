"""The plain statements of the upload path read and write exactly what the ORM would."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import statements
from accounts.models import ApiToken, AuditEvent, Organization, User
from tests.factories import OrgFactory, UserFactory, member, token_for
from uploads.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db


def pending_upload(org, **fields) -> Upload:
    """A pending upload row of ``org``, written with ``statements.insert``."""
    return statements.insert(Upload(**{
        "org": org, "project_name": "pkg", "version": "1.0", "filename": "pkg-1.0.tar.gz",
        "filetype": "sdist", "size": 10, "md5_digest": "m", "sha256_digest": "s",
        "blake2_256_digest": "b", **fields}))


class TestInsert:
    def test_every_kind_of_field_round_trips(self):
        org = OrgFactory(slug="acme")
        user = UserFactory(username="ann")
        when = timezone.now() - timedelta(days=3)
        event = statements.insert(AuditEvent(
            org=org, org_slug="acme", actor=user, ip="2001:db8::1", action="file.upload",
            target="pkg 1.0", data={"sha256": "ab" * 32, "size": 7, "nested": [1, None]},
            created_at=when))
        assert event.pk is not None and not event._state.adding
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.org_id, stored.actor_id, stored.token_id) == (org.pk, user.pk, None)
        assert (stored.ip, stored.action, stored.target) == ("2001:db8::1", "file.upload",
                                                             "pkg 1.0")
        assert stored.data == {"sha256": "ab" * 32, "size": 7, "nested": [1, None]}
        assert stored.created_at == when

    def test_a_unique_constraint_still_refuses(self):
        from django.db import IntegrityError, transaction

        from registry.models import FilenameRecord

        org = OrgFactory()
        statements.insert(FilenameRecord(org=org, filename="a-1.0.tar.gz", sha256_digest="1",
                                         blake2_256_digest="2"))
        with pytest.raises(IntegrityError), transaction.atomic():
            statements.insert(FilenameRecord(org=org, filename="a-1.0.tar.gz",
                                             sha256_digest="3", blake2_256_digest="4"))
        assert FilenameRecord.objects.count() == 1


def test_update_writes_only_the_named_fields():
    org = OrgFactory()
    upload = pending_upload(org)
    Upload.objects.filter(pk=upload.pk).update(project_name="changed elsewhere")
    upload.status, upload.problems = UploadStatus.REJECTED, [{"code": "x", "message": "m"}]
    upload.finished_at = timezone.now()
    statements.update(upload, ["status", "problems", "finished_at"])
    stored = Upload.objects.get(pk=upload.pk)
    assert stored.status == UploadStatus.REJECTED
    assert stored.problems == [{"code": "x", "message": "m"}]
    assert stored.finished_at == upload.finished_at
    assert stored.project_name == "changed elsewhere"  # not written back


class TestReads:
    def test_a_token_comes_with_its_owner(self):
        org = OrgFactory()
        ann = member(org, username="ann")
        token, _secret = token_for(org, user=ann)
        found = statements.token_with_user(key_id=token.key_id)
        assert found.pk == token.pk and found.user.username == "ann"
        assert found.org.slug == org.slug  # read when asked for
        assert statements.token_with_user(pk=token.pk).user.pk == ann.pk

    def test_an_org_token_has_no_owner_and_an_unknown_key_is_none(self):
        org = OrgFactory()
        token, _secret = token_for(org)
        assert statements.token_with_user(key_id=token.key_id).user is None
        assert statements.token_with_user(key_id="no-such-key") is None

    def test_first_returns_model_instances_with_extra_columns(self):
        OrgFactory(slug="acme")
        org = statements.first(Organization, "SELECT o.*, 41 + 1 AS answer FROM "
                               "accounts_organization o WHERE o.slug = %s", ["acme"])
        assert isinstance(org, Organization) and org.slug == "acme" and org.answer == 42
        orm = Organization.objects.get(slug="acme")
        assert {f.attname: getattr(org, f.attname) for f in Organization._meta.concrete_fields} \
            == {f.attname: getattr(orm, f.attname) for f in Organization._meta.concrete_fields}
        assert not org._state.adding
        assert statements.first(Organization, "SELECT * FROM accounts_organization "
                                "WHERE slug = %s", ["nope"]) is None


def test_column_names_are_the_results_own_and_none_for_a_statement_without_rows():
    """Read from the result itself on Postgres (psycopg rebuilds ``description`` at every
    read); they must say what ``description`` says, in order, on every backend."""
    from django.db import connection

    org = OrgFactory(slug="acme")
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug, 7 AS extra, id FROM accounts_organization WHERE id = %s",
                       [org.pk])
        assert statements._column_names(cursor) == ("slug", "extra", "id")
        assert statements._column_names(cursor) == tuple(c[0] for c in cursor.description)
        cursor.execute("UPDATE accounts_organization SET name = name WHERE id = %s", [org.pk])
        assert statements._column_names(cursor) == ()


class TestJoined:
    SQL = ("SELECT t.*, u.* FROM accounts_apitoken t LEFT JOIN accounts_user u "
           "ON u.id = t.user_id WHERE t.id = %s")

    def test_each_model_gets_its_own_columns(self):
        org = OrgFactory()
        ann = member(org, username="ann")
        token, _secret = token_for(org, user=ann)
        found_token, owner = statements.joined((ApiToken, User), self.SQL, [token.pk])
        # Both tables have an id column (and more): each instance must take its own.
        assert (found_token.pk, owner.pk) == (token.pk, ann.pk)
        orm = ApiToken.objects.get(pk=token.pk)
        assert {f.attname: getattr(found_token, f.attname)
                for f in ApiToken._meta.concrete_fields} \
            == {f.attname: getattr(orm, f.attname) for f in ApiToken._meta.concrete_fields}
        assert owner.username == "ann" and owner.date_joined == User.objects.get().date_joined

    def test_the_empty_side_of_an_outer_join_is_none_and_no_row_is_none(self):
        org = OrgFactory()
        token, _secret = token_for(org)
        found_token, owner = statements.joined((ApiToken, User), self.SQL, [token.pk])
        assert found_token.pk == token.pk and owner is None
        assert statements.joined((ApiToken, User), self.SQL, [token.pk + 1000]) is None

    def test_a_row_that_does_not_fit_the_models_is_refused(self):
        org = OrgFactory()
        token, _secret = token_for(org)
        with pytest.raises(ValueError, match="columns"):
            statements.joined((ApiToken, User), "SELECT t.*, u.*, 1 AS extra FROM "
                              "accounts_apitoken t LEFT JOIN accounts_user u "
                              "ON u.id = t.user_id WHERE t.id = %s", [token.pk])
        with pytest.raises(ValueError, match="columns"):  # too few: the same clear refusal
            statements.joined((ApiToken, User), "SELECT t.* FROM accounts_apitoken t "
                              "WHERE t.id = %s", [token.pk])


class TestUploadLoad:
    def test_the_upload_comes_with_its_token_and_user(self):
        from uploads.publish import upload_load

        org = OrgFactory()
        ann = member(org, username="ann")
        token, _secret = token_for(org, user=ann)
        upload = pending_upload(org, user=ann, token=token, ip="192.0.2.1")
        loaded = upload_load(upload.pk)
        assert (loaded.pk, loaded.token.pk, loaded.user.pk) == (upload.pk, token.pk, ann.pk)
        assert loaded.token.user.username == "ann" and str(loaded.ip) == "192.0.2.1"
        assert loaded.status == UploadStatus.PENDING and loaded.size == 10

    def test_a_deleted_token_and_user_leave_none(self):
        from uploads.publish import upload_load

        org = OrgFactory()
        upload = pending_upload(org)
        loaded = upload_load(upload.pk)
        assert loaded.token is None and loaded.user is None
        assert upload_load(upload.pk + 1000) is None


class TestPipeline:
    def test_results_arrive_when_the_pipeline_ends(self):
        org = OrgFactory(slug="acme")
        event = AuditEvent(org=org, org_slug="acme", action="test", target="t")
        with statements.pipeline() as pipe:
            statements.insert(event, pipe)
            found = pipe.first(Organization, "SELECT *, 7 AS extra FROM accounts_organization "
                                             "WHERE slug = %s", ["acme"])
            missing = pipe.first(Organization, "SELECT * FROM accounts_organization "
                                               "WHERE slug = %s", ["nobody"])
            raw = pipe.send("SELECT COUNT(*) FROM accounts_auditevent", [])
            with pytest.raises(RuntimeError):
                found.value  # noqa: B018 (the read is the test)
            assert event.pk is None
        assert AuditEvent.objects.get(pk=event.pk).action == "test"
        assert not event._state.adding
        assert (found.value.pk, found.value.extra) == (org.pk, 7)
        assert missing.value is None
        assert raw.value == (1,)  # the statements ran in the order they were sent

    def test_an_update_goes_through_the_pipeline(self):
        org = OrgFactory()
        upload = pending_upload(org)
        upload.status = UploadStatus.REJECTED
        with statements.pipeline() as pipe:
            statements.update(upload, ["status"], pipe)
            status = pipe.send("SELECT status FROM uploads_upload WHERE id = %s", [upload.pk],
                               then=lambda row: row[0])
        assert status.value == UploadStatus.REJECTED

    def test_a_failing_statement_fails_the_block_as_a_django_error(self):
        from django.db import IntegrityError, transaction

        from registry.models import FilenameRecord

        org = OrgFactory()
        statements.insert(FilenameRecord(org=org, filename="a-1.0.tar.gz", sha256_digest="1",
                                         blake2_256_digest="2"))
        sent = []
        with (pytest.raises(IntegrityError), transaction.atomic(),
              statements.pipeline() as pipe):
            sent.append(pipe.send("SELECT 1", []))
            statements.insert(FilenameRecord(org=org, filename="b-1.0.tar.gz",
                                             sha256_digest="5", blake2_256_digest="6"), pipe)
            statements.insert(FilenameRecord(org=org, filename="a-1.0.tar.gz",
                                             sha256_digest="3", blake2_256_digest="4"), pipe)
        assert not sent[0].ready  # no result is handed out from a failed pipeline
        assert list(FilenameRecord.objects.values_list("filename", flat=True)) == \
            ["a-1.0.tar.gz"]  # the statement before the failure went with the transaction
        assert Organization.objects.filter(pk=org.pk).exists()  # the connection works on

    def test_on_postgres_the_statements_travel_in_pipeline_mode(self):
        from django.db import connection

        seen = []

        def note(execute, sql, params, many, context):
            if connection.vendor == "postgresql":
                on = connection.connection.pgconn.pipeline_status != 0  # PQ_PIPELINE_OFF
                seen.append("ON" if on else "OFF")
            else:
                seen.append("ran at once")
            return execute(sql, params, many, context)

        with connection.execute_wrapper(note), statements.pipeline() as pipe:
            pipe.send("SELECT 1", [])
            pipe.send("SELECT 2", [])
        expected = "ON" if connection.vendor == "postgresql" else "ran at once"
        assert seen == [expected, expected]
