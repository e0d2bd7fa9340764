from portal.inquiries import submission, workflow
from portal.inquiries.models import Status


def test_resident_submits_and_handler_replies(submit, handlers):
    receipt = submit()
    inquiry = receipt.inquiry
    assert inquiry.status is Status.RECEIVED and inquiry.number.endswith("-000001")
    assert submission.find_by_code(receipt.tracking_code) is inquiry
    workflow.sign(handlers["handler"], inquiry.id)
    workflow.start_processing(handlers["handler"], inquiry.id)
    workflow.reply(handlers["handler"], inquiry.id, "请携带户口本和身份证到便民服务中心办理。",
                   publish=True)
    workflow.close(handlers["handler"], inquiry.id)
    assert inquiry.status is Status.CLOSED and inquiry.replied_on_time
