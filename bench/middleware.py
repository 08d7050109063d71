"""Counts the SQL queries of each request into an X-Queries header (benchmark settings only).

An execute wrapper costs a function call per query; it does not keep the queries, unlike
debug mode or CaptureQueriesContext, so it hardly changes what is measured."""

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response
