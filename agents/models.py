from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Everyone who logs in: agents and brokers in the portal, staff in admin.

    A custom model from the first migration, so that later issues can add to it freely.
    """

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
