from django.db import migrations, models


class Migration(migrations.Migration):
    """Addresses count once verified. Existing addresses start unverified: none was proved."""

    dependencies = [
        ("accounts", "0003_organization_used_bytes"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="verified_email",
            field=models.EmailField(blank=True, editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
