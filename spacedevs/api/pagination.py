from rest_framework.pagination import LimitOffsetPagination


class LL2Pagination(LimitOffsetPagination):
    """LL2's limit/offset pages: 10 results unless `limit` asks otherwise, and never more than 100."""

    default_limit = 10
    max_limit = 100
