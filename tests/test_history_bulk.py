"""Bulk inserts write the same history rows as django-simple-history's own helper."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history as python_helper

from config.history import bulk_create_with_history
from orgunits.models import OrgUnit
from orgunits.resolver import vocabulary_for
from plans.models import Plan
from tasks.appendix import AppendixRow, prepare_appendix
from tasks.appendix_write import create_tasks
from tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db


def tracked(record, model) -> dict:
    return {f.attname: getattr(record, f.attname) for f in record.__class__.tracked_fields}


class TestBulkHistory:
    @pytest.fixture(autouse=True)
    def setup(self):
        self.user = User.objects.create(username="nhap-lieu")
        self.issuer = OrgUnit.objects.get(key="qn")
        self.plan = Plan.objects.create(title="Kế hoạch thử lịch sử", issuer=self.issuer)

    def test_imported_tasks_and_assignments_have_one_created_record_each(self):
        rows = [
            AppendixRow(stt="I", content="Công tác lãnh đạo"),
            AppendixRow(stt="1", content="Quán triệt Chỉ thị", lead="Sở Tài chính",
                        coordinating="Sở Tư pháp", timeframe="Quý III/2025"),
            AppendixRow(stt="a", content="- Hội nghị", lead="Ủy ban nhân dân các xã, phường, "
                        "đặc khu", timeframe="Thường xuyên"),
        ]  # fmt: skip
        prepared = prepare_appendix(rows, vocabulary_for(self.issuer))
        assert not prepared.errors
        tasks = create_tasks(self.plan, prepared, user=self.user, reason="Nhập phụ lục")
        for task in tasks:
            (record,) = task.history.all()
            assert record.history_type == "+" and record.history_user == self.user
            assert record.history_change_reason == "Nhập phụ lục"
            assert tracked(record, Task) == {
                f.attname: getattr(task, f.attname) for f in record.__class__.tracked_fields
            }
        assignments = Assignment.objects.filter(task__plan=self.plan)
        assert assignments.count() == 3
        for assignment in assignments:
            (record,) = assignment.history.all()
            assert record.history_type == "+" and record.history_user == self.user
            assert (record.unit_id, record.group_id, record.role, record.task_id) == (
                assignment.unit_id, assignment.group_id, assignment.role, assignment.task_id,
            )  # fmt: skip
        # the history tab reads them: the earliest record of the task is its creation
        assert tasks[1].history.earliest().content == "Quán triệt Chỉ thị"

    def test_same_rows_as_simple_history_helper(self):
        def make(prefix):
            return [
                Task(plan=self.plan, kind=Task.Kind.TASK, code=str(i), position=i,
                     content=f"{prefix} {i}", tree_id=10_000 + i + (0 if prefix == "a" else 50),
                     lft=1, rght=2, level=0)
                for i in range(5)
            ]  # fmt: skip

        ours = bulk_create_with_history(
            make("a"), Task, default_user=self.user, default_change_reason="lý do"
        )
        theirs = python_helper(
            make("b"), Task, default_user=self.user, default_change_reason="lý do"
        )

        def records(objs):
            out = []
            for obj in objs:
                (record,) = obj.history.all()
                row = tracked(record, Task)
                row.pop("id"), row.pop("content")
                out.append((row, record.history_type, record.history_user_id,
                            record.history_change_reason))  # fmt: skip
            return out

        assert records(ours) == records(theirs)

    @pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite batches inserts by its parameter limit"
    )
    def test_statements_do_not_grow_with_rows(self):
        counts = []
        for n in (10, 300):
            objs = [
                Task(plan=self.plan, kind=Task.Kind.TASK, code=str(i), position=i,
                     content=f"Dòng {i}", tree_id=20_000 + n + i, lft=1, rght=2, level=0)
                for i in range(n)
            ]  # fmt: skip
            with CaptureQueriesContext(connection) as queries:
                bulk_create_with_history(objs, Task, default_user=self.user)
            counts.append(len(queries))
        assert counts[0] == counts[1] <= 3
