import os

from django.core.asgi import get_asgi_application

from kelu.core.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelu.settings")
application = get_asgi_application()
freeze_startup_heap()
