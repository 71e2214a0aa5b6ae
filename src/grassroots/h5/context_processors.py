def page_base(request):
    """`page_base`: the layout the shared phone pages (wishes, activities, points, shop, bookings, 报到)
    extend — the resident H5 for residents, the staff layout for everybody else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"page_base": "h5/base.html"}
    from .views import is_resident

    return {"page_base": "h5/base.html" if is_resident(user) else "base.html"}
