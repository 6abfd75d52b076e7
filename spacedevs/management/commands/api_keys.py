from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from spacedevs.api.numbers import MAX_INTEGER
from spacedevs.models import APIKey, APITier

PREFIX_LENGTH = APIKey._meta.get_field("prefix").max_length


class Command(BaseCommand):
    help = (
        "Manage API tiers and keys (clients send `Authorization: Token <key>`): "
        "`tier NAME REQUESTS_PER_HOUR` creates or changes a tier, `issue NAME TIER` prints a new key (shown "
        "only then), `list` shows the keys, `revoke PREFIX` refuses a key from now on."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        tier = actions.add_parser("tier", help="create or change a tier")
        tier.add_argument("name")
        tier.add_argument("requests_per_hour", type=int)
        issue = actions.add_parser("issue", help="issue a key in a tier")
        issue.add_argument("name", help="who the key is for")
        issue.add_argument("tier", help="the tier's name")
        actions.add_parser("list", help="list the keys")
        revoke = actions.add_parser("revoke", help="revoke a key")
        revoke.add_argument(
            "key", help="the key's first 8 characters (as `list` shows them), or the whole key"
        )

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _tier(self, name, requests_per_hour, **options):
        if not 1 <= requests_per_hour <= MAX_INTEGER:
            raise CommandError(f"REQUESTS_PER_HOUR must be from 1 to {MAX_INTEGER}")
        name = name.strip()  # as the admin's form takes it
        tier = APITier.objects.filter(name=name).first() or APITier(name=name)
        created = tier.pk is None
        tier.requests_per_hour = requests_per_hour
        _saved(tier)
        self.stdout.write(f"{'Created' if created else 'Changed'} tier {tier}")

    def _issue(self, name, tier, **options):
        found = APITier.objects.filter(name=tier.strip()).first()
        if found is None:
            known = ", ".join(APITier.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"no tier named {tier!r} (tiers: {known})")
        api_key = APIKey(name=name.strip(), tier=found)
        key = api_key.set_new_key()
        _saved(api_key)
        self.stdout.write(key)

    def _list(self, **options):
        for api_key in APIKey.objects.select_related("tier"):
            state = "revoked" if api_key.revoked else "active"
            self.stdout.write(f"{api_key.prefix}  {api_key.tier.name}  {state}  {api_key.name}")

    def _revoke(self, key, **options):
        active = APIKey.objects.filter(revoked=False)
        whole = len(key) > PREFIX_LENGTH
        found = list(active.filter(key_hash=APIKey.hash(key)) if whole else active.filter(prefix=key))
        shown = key[:PREFIX_LENGTH]  # never a whole key in the output
        if not found:
            what = f"is the key starting with {shown!r}" if whole else f"has the prefix {shown!r}"
            raise CommandError(f"no active key {what} (a prefix is a key's first {PREFIX_LENGTH} characters)")
        if len(found) > 1:
            raise CommandError(f"{len(found)} active keys have the prefix {shown!r}: give the whole key")
        [api_key] = found
        active.filter(pk=api_key.pk).update(revoked=True)
        self.stdout.write(f"Revoked the key starting with {api_key.prefix}")


def _saved(row):
    """Saves `row` once its fields hold what the admin's form would let through (a name's length, a blank
    one), the first refused as a CommandError naming its field."""
    try:
        row.full_clean()
    except ValidationError as error:
        field, [message, *_] = next(iter(error.message_dict.items()))
        raise CommandError(f"{field}: {message}") from None
    row.save()
