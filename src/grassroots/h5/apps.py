from django.apps import AppConfig


class H5Config(AppConfig):
    name = "grassroots.h5"
    label = "h5"
    verbose_name = "居民服务"
