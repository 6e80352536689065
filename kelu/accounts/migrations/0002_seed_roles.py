from django.db import migrations

# The four roles of DESIGN.md §3 with their default flags; admins may change the flags later.
ROLES = {
    "admin": {"can_import": True, "can_export": True, "can_delete": True, "can_see_full_contacts": True},
    "manager": {"can_import": True, "can_export": True, "can_delete": True, "can_see_full_contacts": True},
    "sales": {"can_import": True, "can_export": False, "can_delete": True, "can_see_full_contacts": True},
    "viewer": {"can_import": False, "can_export": False, "can_delete": False, "can_see_full_contacts": False},
}


def seed_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for key, flags in ROLES.items():
        Role.objects.update_or_create(key=key, defaults=flags)


def unseed_roles(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(key__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed_roles, unseed_roles)]
