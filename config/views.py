from spacedevs.api.viewsets import ReadOnlyViewSet


def lookup_viewset(serializer_class):
    """A read-only, paginated viewset over one lookup table, in id order."""
    model = serializer_class.Meta.model
    return type(
        f"{model.__name__}ViewSet",
        (ReadOnlyViewSet,),
        {
            "__doc__": f"LL2's {model._meta.verbose_name_plural}, as events and their relations use them.",
            "queryset": model.objects.all(),
            "serializer_class": serializer_class,
            "search_fields": ["name"],
            "ordering_fields": ["id", "name"],
            "ordering": ["id"],
        },
    )
