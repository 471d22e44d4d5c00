"""A swapped-in user model, installed only by tests.settings_custom_user."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models


class MemberManager(BaseUserManager):
    def create_user(self, email, password=None):
        user = self.model(email=self.normalize_email(email))
        user.set_password(password)
        user.save(using=self._db)
        return user


class Member(AbstractBaseUser):
    email = models.EmailField(unique=True)
    nickname = models.CharField(max_length=50, blank=True)

    USERNAME_FIELD = "email"

    objects = MemberManager()
