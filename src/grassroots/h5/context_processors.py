def page_base(request):
    """`page_base`: the layout the shared phone pages (wishes, activities, points, shop, bookings, 报到)
    extend — the resident H5 for residents, the staff layout for everybody else. A callable, so the
    role look-up runs only on the pages that use it."""
    user = getattr(request, "user", None)

    def layout() -> str:
        if user is None or not user.is_authenticated:
            return "h5/base.html"
        from .views import is_resident

        return "h5/base.html" if is_resident(user) else "base.html"

    return {"page_base": layout}
