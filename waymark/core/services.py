"""The change log writer and soft delete/restore, used by every app's services.

Every service that writes calls `record_change` inside its own `transaction.atomic()` block,
so the change entry and the change commit or roll back together.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from waymark.core.context import get_request_id
from waymark.core.exceptions import ConflictError
from waymark.core.models import Change, SoftDeleteModel

SKIPPED_FIELDS = {"password", "created_at", "updated_at", "last_login"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """A JSON-safe dict of the object's editable state (foreign keys as ids, m2m as id lists)."""
    data: dict[str, Any] = {}
    opts = obj._meta
    for field in opts.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        value = field.value_from_object(obj)
        if isinstance(value, FieldFile):  # a file is logged by its name
            value = value.name or ""
        data[field.attname if not field.is_relation else field.name] = value
    if obj.pk:
        for m2m in opts.many_to_many:
            cache = getattr(obj, "_prefetched_objects_cache", {})
            if m2m.name in cache:
                data[m2m.name] = sorted(o.pk for o in cache[m2m.name])
            else:
                data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _change(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    related: models.Model | None = None,
    batch: uuid.UUID | None = None,
) -> Change:
    """An unsaved change entry: who (and which request) did what to which object."""
    actor_obj = actor if getattr(actor, "pk", None) else None
    return Change(
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else "system"),
        request_id=get_request_id(),
        action=action,
        object_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        related_type=(ContentType.objects.get_for_model(related) if related else None),
        related_id=(related.pk if related else None),
        before=before,
        after=after,
        batch=batch or uuid.uuid4(),
    )


def record_change(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    related: models.Model | None = None,
    batch: uuid.UUID | None = None,
) -> Change:
    change = _change(
        actor=actor,
        obj=obj,
        action=action,
        before=before,
        after=after,
        related=related,
        batch=batch,
    )
    change.save()
    return change


def record_create(*, actor: Any, obj: models.Model, related: models.Model | None = None) -> Change:
    """Log the creation of an object with its whole state as "after"."""
    return record_change(
        actor=actor,
        obj=obj,
        action=Change.Action.CREATE,
        before=None,
        after=snapshot(obj),
        related=related,
    )


def record_creates(
    *, actor: Any, created: Sequence[tuple[models.Model, models.Model | None]]
) -> None:
    """Log the creation of many (object, related object) pairs in a few inserts."""
    Change.objects.bulk_create(
        [
            _change(
                actor=actor,
                obj=obj,
                action=Change.Action.CREATE,
                before=None,
                after=snapshot(obj),
                related=related,
            )
            for obj, related in created
        ],
        batch_size=500,
    )


def check_version(obj: Any, expected: int | None) -> None:
    """Raise ConflictError when the writer's version is not the stored one."""
    if expected is None:
        return
    current = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
    if current.version != expected:
        last = (
            Change.objects.filter(
                object_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
            )
            .order_by("-time", "-id")
            .first()
        )
        changed = {k: {"before": b, "after": a} for k, b, a in (last.diff if last else [])}
        raise ConflictError(current_version=current.version, changed=changed)


def save_update(
    *,
    actor: Any,
    obj: models.Model,
    before: dict[str, Any],
    related: models.Model | None = None,
    m2m: dict[str, list[Any]] | None = None,
) -> bool:
    """Save an object changed in memory, bump its version and log the change.

    Only the fields that changed are written, so a copy loaded before someone else's change
    (a renumbering, a move, another field) does not write that change back. The version is
    bumped in the database, never from a stale copy. Returns False, writing nothing, when
    nothing actually changed.
    """
    preview = snapshot(obj)
    for name, values in (m2m or {}).items():
        preview[name] = sorted(getattr(v, "pk", v) for v in values)
    m2m_names = {f.name for f in obj._meta.many_to_many}
    changed = [k for k in preview if k != "version" and preview[k] != before.get(k)]
    if not changed:
        return False
    update_fields = [k for k in changed if k not in m2m_names]
    local_names = {f.name for f in obj._meta.concrete_fields}
    if "version" in local_names:
        obj.version = F("version") + 1  # type: ignore[attr-defined]
        update_fields.append("version")
    if "updated_at" in local_names:
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    if "version" in local_names:
        obj.refresh_from_db(fields=["version"])
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
        getattr(obj, "_prefetched_objects_cache", {}).pop(name, None)
    record_change(
        actor=actor,
        obj=obj,
        action=Change.Action.UPDATE,
        before=before,
        after=snapshot(obj),
        related=related,
    )
    return True


def soft_delete(
    *,
    actor: Any,
    objs: list[SoftDeleteModel],
    related: models.Model | None = None,
) -> uuid.UUID:
    """Mark objects deleted as one batch, logging each; they come back together on restore."""
    batch = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        for obj in objs:
            before = snapshot(obj)
            obj.deleted_at = now
            obj.deleted_by = actor if getattr(actor, "pk", None) else None
            obj.deletion_batch = batch
            obj.save(update_fields=["deleted_at", "deleted_by", "deletion_batch"])
            record_change(
                actor=actor,
                obj=obj,
                action=Change.Action.DELETE,
                before=before,
                after=None,
                related=related,
                batch=batch,
            )
    return batch


def restore_batch(
    *,
    actor: Any,
    model: type[SoftDeleteModel],
    batch: uuid.UUID,
    related: models.Model | None = None,
) -> list[SoftDeleteModel]:
    """Bring back every object deleted in one batch, logging each restore."""
    objs = list(model.all_objects.filter(deletion_batch=batch, deleted_at__isnull=False))
    for obj in objs:
        obj.deleted_at = None
        obj.deleted_by = None
        obj.deletion_batch = None
        obj.save(update_fields=["deleted_at", "deleted_by", "deletion_batch"])
        record_change(
            actor=actor,
            obj=obj,
            action=Change.Action.RESTORE,
            before=None,
            after=snapshot(obj),
            related=related,
            batch=batch,
        )
    return objs


@contextmanager
def reverting(obj: models.Model) -> Iterator[None]:
    """On any error, reload the object so a failed write leaves no half-applied state in memory."""
    try:
        yield
    except Exception:
        if obj.pk and not obj._state.adding:
            obj.refresh_from_db()
        raise
